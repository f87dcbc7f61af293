"""Write tracker/exports/schemas/<kind>.schema.json from the column definitions."""

import json
from pathlib import Path

from tracker.exports.columns import KINDS, json_schema

folder = Path(__file__).resolve().parents[1] / "tracker" / "exports" / "schemas"
folder.mkdir(parents=True, exist_ok=True)
for kind in KINDS:
    (folder / f"{kind}.schema.json").write_text(json.dumps(json_schema(kind), indent=2) + "\n", "utf-8")
print(sorted(p.name for p in folder.glob("*.json")))
