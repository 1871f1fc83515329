"""Input distributions and the uniform streams (Monte Carlo or Latin Hypercube) that drive them."""
