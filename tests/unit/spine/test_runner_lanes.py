from streams.processors.lanes import SMALL_RUN_TRIALS, Lanes


def test_small_runs_have_a_lane_of_their_own_as_wide_as_the_cores_allow() -> None:
    lanes = Lanes.for_machine(large_width=1, cpus=4)
    assert lanes.of(10_000) is lanes.of(SMALL_RUN_TRIALS) is lanes.small
    assert lanes.of(SMALL_RUN_TRIALS + 1) is lanes.large
    assert lanes.small._value == 8 and lanes.large._value == 1
