"""Slack's Block Kit limits, written down once.

The builders (`handlers/blocks/`) truncate to these numbers, the local Slack (this package)
refuses what breaks them, and the test checker (`tests/blockkit/`) reports every one it finds.
Lengths are in characters of the raw string sent to Slack; counts are items in an array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Surface = Literal["message", "modal", "home"]


@dataclass(frozen=True)
class BlockKitLimits:
    """Slack's documented maximums, by the Block Kit object they apply to."""

    # Blocks per surface.
    message_blocks: int = 50
    modal_blocks: int = 100
    home_blocks: int = 100
    # Message text: Slack truncates past the hard limit; kit.fallback_text keeps to the advised one.
    message_text: int = 4_000
    message_text_hard: int = 40_000
    # Blocks.
    section_text: int = 3000
    section_fields: int = 10
    field_text: int = 2000
    header_text: int = 150
    context_elements: int = 10
    context_text: int = 3000
    actions_elements: int = 25
    input_label: int = 2000
    input_hint: int = 2000
    image_alt_text: int = 2000
    image_title: int = 2000
    # Elements.
    identifier: int = 255  # action_id, block_id, callback_id, external_id
    button_text: int = 75
    button_value: int = 2000
    url: int = 3000
    accessibility_label: int = 75
    placeholder: int = 150
    text_input_length: int = 3000
    select_options: int = 100
    radio_options: int = 10
    checkbox_options: int = 10
    overflow_options: int = 5
    option_groups: int = 100
    option_group_label: int = 75
    option_text: int = 75
    option_value: int = 150
    option_description: int = 75
    confirm_title: int = 100
    confirm_text: int = 300
    confirm_button: int = 30
    # Views.
    modal_title: int = 24
    modal_button: int = 24  # submit and close
    private_metadata: int = 3000

    def max_blocks(self, surface: Surface) -> int:
        """How many blocks a message, modal or Home tab may hold."""
        return {
            "message": self.message_blocks,
            "modal": self.modal_blocks,
            "home": self.home_blocks,
        }[surface]


LIMITS = BlockKitLimits()
SURFACES: tuple[Surface, ...] = ("message", "modal", "home")
