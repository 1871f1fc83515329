"""Stream processors: each wires one pure decider or engine call to its Kafka topics."""
