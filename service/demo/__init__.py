"""A believable demo city with Chinese names, built from a fixed seed."""
