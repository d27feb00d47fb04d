"""The data: the contract, its codes, loading an extract (reading, the mapping, the
contract's checks, the checks across tables), the formats, and the synthetic data."""
