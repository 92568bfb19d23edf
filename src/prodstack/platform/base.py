"""What a platform is: what differs between the embedded emulator and a real AWS account when
the stack is *synthesized*, behind one interface the composition consults. It works on the
settings and the document only; connecting, clients and what a run meets are the target's
run-time half (`prodstack.runtime.targets`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from prodstack.config.settings import Settings
    from prodstack.tf.document import Document


class Platform(ABC):
    name: ClassVar[str]

    def hosted_zone(self, settings: Settings, doc: Document) -> str | None:
        """The Route53 zone id for DNS records when the user gave none."""
        del settings, doc
        return None

    @abstractmethod
    def adjust(self, settings: Settings, doc: Document) -> None:
        """Adjust the finished document (backend, provider, this platform's differences)."""

    def point_providers(self, doc: Document) -> None:
        """Point every `aws` provider block of a document at this platform."""
        del doc
