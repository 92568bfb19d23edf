"""The report's charts as PNG files, drawn with matplotlib: the optional `charts` extra
(`pip install 'prodstack[charts]'`), so the core install stays without a plotting library.
The figures are the HTML page's (`prodstack.ops.loadtest.figures`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from prodstack.core.errors import UserError
from prodstack.ops.loadtest.figures import GREY, ORANGE, RED, Figure

EXTRA = "charts"


def require() -> None:
    """A one-line error naming the extra when matplotlib is not installed (exit 2)."""
    if importlib.util.find_spec("matplotlib") is None:
        raise UserError(f"--png needs matplotlib: pip install 'prodstack[{EXTRA}]'",
                        exit_code=2)


def write(found: list[Figure], folder: Path) -> list[Path]:
    require()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for figure in found:
        fig, ax = plt.subplots(figsize=(8.8, 3.0), dpi=100)
        for x in figure.bands:
            ax.axvline(x, color=GREY, linewidth=0.6, linestyle=":")
        for series in figure.series:
            xs = [x for x, _ in series.points]
            ys = [y for _, y in series.points]
            if series.dots and not series.line:
                ax.scatter(xs, ys, color=series.colour, label=series.label, s=14)
            elif series.dots:
                ax.plot(xs, ys, color=series.colour, label=series.label, marker="o",
                        markersize=4, linewidth=1.2)
            elif series.step:
                ax.step(xs, ys, where="post", color=series.colour, label=series.label)
            else:
                ax.plot(xs, ys, color=series.colour, label=series.label, linewidth=1.4)
        for y, label in figure.limits:
            ax.axhline(y, color=ORANGE, linestyle="--", linewidth=1)
            ax.annotate(label, (1, y), xycoords=("axes fraction", "data"), ha="right",
                        va="bottom", color=ORANGE, fontsize=8)
        for x, label in figure.markers:
            ax.axvline(x, color=RED, linestyle="--", linewidth=1)
            ax.annotate(label, (x, 1), xycoords=("data", "axes fraction"), va="top",
                        color=RED, fontsize=8)
        ax.set_title(figure.title, fontsize=11, loc="left")
        ax.set_xlabel(figure.x_label)
        ax.set_ylabel(figure.y_label)
        ax.grid(alpha=0.3)
        if figure.series:
            ax.legend(fontsize=8, loc="upper left")
        fig.tight_layout()
        path = folder / f"{figure.name}.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths
