"""双报到 (double reporting): members register with their residence and unit communities."""
