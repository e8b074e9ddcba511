"""The warehouse as a Dagster resource (a thin wrapper over warehouse.Warehouse)."""


from typing import TYPE_CHECKING, Any, Optional

import dagster as dg
from pydantic import PrivateAttr

if TYPE_CHECKING:  # imported lazily: pandas and the warehouse are not needed to load the location
    from weather_flick_batch.warehouse.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """SQLAlchemy URL of the warehouse: SQLite in embedded mode, PostgreSQL in production."""

    url: str
    password: Optional[str] = None  # from EnvVar, kept out of the URL so it never renders

    _warehouse: Any = PrivateAttr(default=None)

    def get(self) -> "Warehouse":
        from weather_flick_batch.warehouse.warehouse import Warehouse

        if self._warehouse is None:
            self._warehouse = Warehouse(self.url, self.password or None)
        return self._warehouse

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._warehouse is not None:
            self._warehouse.dispose()
