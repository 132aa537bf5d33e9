"""Which department handles a category: a table taken from the city's catalog."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class UnknownServiceError(KeyError):
    """A work order named a service code the city's catalog does not have."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    service_code: str
    service_name: str
    department_code: str
    department_name: str


class Router:
    """Looks up the department for a service code; built once at start-up."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self._routes = dict(routes)

    def route(self, service_code: str) -> Route:
        try:
            return self._routes[service_code]
        except KeyError:
            raise UnknownServiceError(service_code) from None

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes.values())
