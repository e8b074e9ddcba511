"""WeatherFlick Batch: the weather-and-tourism data platform behind WeatherFlick."""
