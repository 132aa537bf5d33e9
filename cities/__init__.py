"""City directories shipped with Cityline; the example city is the default."""

from pathlib import Path

EXAMPLE_CITY_DIR: Path = Path(__file__).parent / "example"
