"""Quality dimensions as contrastive text pairs (RouteT2I's multi-metric quality).

A dimension is scored as sim(image, positive) - sim(image, negative): the negative text removes
what the positive text shares with any picture, so the score moves with the quality itself.
`{prompt}` in a text is replaced by the request's prompt (prompt alignment).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dimension:
    name: str
    positive: str
    negative: str | None = None  # None: the score is the plain similarity to `positive`

    def texts(self, prompt: str) -> tuple[str, str | None]:
        """The pair for one prompt (only alignment-style dimensions depend on it)."""
        neg = self.negative.replace("{prompt}", prompt) if self.negative is not None else None
        return self.positive.replace("{prompt}", prompt), neg

    @property
    def per_prompt(self) -> bool:
        return "{prompt}" in self.positive or "{prompt}" in (self.negative or "")


DEFAULT_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("sharpness", "a sharp, high definition photo", "a blurry, low definition photo"),
    Dimension("aesthetics", "a beautiful, aesthetically pleasing image", "an ugly, unappealing image"),
    Dimension("realism", "a realistic photo", "an unrealistic, fake-looking image"),
    Dimension("colour", "an image with vivid, natural colours", "an image with dull, washed-out colours"),
    Dimension("composition", "a well composed image", "a badly composed, cluttered image"),
    Dimension("text_rendering", "an image with clear, correctly spelled text",
              "an image with garbled, illegible text"),
    Dimension("anatomy", "a person with correct anatomy and natural hands",
              "a person with distorted anatomy and malformed hands"),
    Dimension("detail", "a highly detailed image", "an image lacking detail"),
    Dimension("lighting", "an image with good lighting", "a badly lit, overexposed or underexposed image"),
    Dimension("alignment", "{prompt}", None),
)


def load_dimensions(spec: Any = None) -> tuple[Dimension, ...]:
    """Dimensions from config: None/"default", or a list of {name, positive, negative}."""
    if spec is None or spec == "default":
        return DEFAULT_DIMENSIONS
    dims = []
    for item in spec:
        if isinstance(item, Dimension):
            dims.append(item)
            continue
        if not item.get("name") or not item.get("positive"):
            raise ValueError(f"dimension needs a name and a positive text: {item!r}")
        dims.append(Dimension(str(item["name"]), str(item["positive"]), item.get("negative")))
    names = [d.name for d in dims]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate dimension names: {names}")
    if not dims:
        raise ValueError("at least one dimension is needed")
    return tuple(dims)
