"""The benchmark's data shapes: how the generated order lines spread over dates, clients and
products (docs/performance.md, "The benchmark", says why each one is measured).

The only definition of the shapes: bench/run.py generates from it, bench/report.py labels
its results with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract.orders import CHANNELS


@dataclass(frozen=True)
class Shape:
    name: str
    days: int
    clients: int
    products: int
    # First order date; None keeps the generator's default. The generator refuses dates more
    # than a day in the future, so a long span has to start early enough.
    start_date: str | None = None
    # None keeps the generator's default: 4 files in turn ISO and Spanish-style, 1% bad rows
    # (in the update file too).
    files: int | None = None
    formats: str | None = None
    bad_fraction: float | None = None

    def pool_args(self) -> list[str]:
        """The generator's client and product pools (the update file must draw from the
        same pools as the full set)."""
        return ["--clients", str(self.clients), "--products", str(self.products)]

    def bad_rows_args(self) -> list[str]:
        return [] if self.bad_fraction is None else ["--bad-fraction", f"{self.bad_fraction:g}"]

    def update_args(self) -> list[str]:
        """The generator's arguments for this shape's update file (the set it updates aside)."""
        return [*self.pool_args(), *self.bad_rows_args()]

    def generate_args(self) -> list[str]:
        """The generator's arguments for a full set of this shape (rows and seed aside)."""
        start = ["--start-date", self.start_date] if self.start_date else []
        files = ["--files", str(self.files)] if self.files else []
        formats = ["--formats", self.formats] if self.formats else []
        layout = [*files, *formats, *self.bad_rows_args()]
        return ["--days", str(self.days), *start, *self.pool_args(), *layout]

    @property
    def description(self) -> str:
        kind = f" {self.formats}" if self.formats else ""
        plural = "s" if (self.files or 0) > 1 else ""
        files = f"; {self.files}{kind} file{plural}" if self.files else ""
        clean = ", no bad rows" if self.bad_fraction == 0 else ""
        return (
            f"{self.days} days x {len(CHANNELS)} channels ({self.days * len(CHANNELS):,} `orders` "
            f"partitions), {self.clients:,} clients, {self.products:,} products{files}{clean}"
        )


SHAPES = {
    shape.name: shape
    for shape in (
        Shape("narrow", days=14, clients=400, products=50),
        # What a user's daily upload usually is: the narrow shape's lines in one ISO file with
        # no bad row, where a naive script has the least to do.
        Shape("clean", days=14, clients=400, products=50, files=1, formats="iso", bad_fraction=0),
        Shape("wide", days=90, clients=50_000, products=200),
        Shape("year", days=365, clients=50_000, products=200, start_date="2025-03-02"),
    )
}
# A result saved before shapes existed (bench/results-glue6.0.json) measured this one.
DEFAULT_SHAPE = "narrow"
# The shape the Glue sizing and the big run are taken from: many clients, a quarter of dates.
SIZING_SHAPE = "wide"
