"""What a scenario needs to know about the running fakes, as plain JSON, so pytest-xdist workers can share it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from omni_harness.fakes.core.seed import sync_settings


@dataclass
class StackInfo:
    """Base URLs, CA file, connector environment and seed plan of a running stack, plus the run folder."""

    genesys_url: str
    salesforce_url: str
    env: dict[str, str]
    plan: dict[str, Any]
    run_dir: str
    ca_file: str | None = None
    connector_start_seq: int = 0
    coordinator_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verify(self) -> str | bool:
        return self.ca_file or True

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> StackInfo:
        return cls(**json.loads(text))

    @classmethod
    def from_stack(cls, stack: Any, run_dir: str | Path) -> StackInfo:
        """From a `omni_harness.fakes.runner.Stack` running in this process."""
        return cls(
            genesys_url=stack.url("genesys"),
            salesforce_url=stack.url("salesforce"),
            env=stack.env(),
            plan=stack.world.plan.to_json(),
            run_dir=str(run_dir),
            ca_file=str(stack.ca.ca_path) if stack.ca is not None else None,
        )

    def write_sync_settings(self, media: tuple[str, ...] | list[str] = ("chat",)) -> Path:
        """Writes the sync settings for the media into the run folder and points `OMNI_SYNC_SETTINGS` at it."""
        path = Path(self.run_dir) / "omni-sync-settings.json"
        path.write_text(json.dumps(sync_settings(self.plan, tuple(media)), indent=2))
        self.env["OMNI_SYNC_SETTINGS"] = str(path)
        return path
