"""What every part of the stack builds with: the document, the settings (with their profile)
and the names. Parts take each other's outputs as arguments (see `prodstack.stack.compose`), so
nothing here is shared mutable state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prodstack.config.naming import Names
from prodstack.config.profiles import Profile
from prodstack.config.settings import Settings
from prodstack.tf.document import Document


@dataclass
class Context:
    doc: Document
    settings: Settings

    @property
    def names(self) -> Names:
        return self.settings.names

    @property
    def profile(self) -> Profile:
        return self.settings.profile

    def name(self, suffix: str) -> str:
        """A regional resource name unique to project and environment."""
        return self.names.regional(suffix)

    def tags(self, name: str, **extra: str) -> dict[str, Any]:
        return {"Name": self.name(name), **extra}
