"""Extract messages and merge the Vietnamese translations kept in tracker/translations/vi.tsv
(one "English<TAB>Tiếng Việt" pair a line) into the vi catalog. Run after changing texts:
    .venv/bin/python scripts/update_translations.py
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "tracker" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
TSV = TRANSLATIONS / "vi.tsv"
BIN = Path(sys.executable).parent

subprocess.run(
    [BIN / "pybabel", "extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "-o", POT, "."],
    check=True,
    cwd=ROOT,
)
pairs = dict(
    line.split("\t", 1) for line in TSV.read_text(encoding="utf-8").splitlines() if "\t" in line
)
with POT.open("rb") as f:
    catalog = read_po(f, locale="vi")
catalog.fuzzy = False
missing = []
for message in catalog:
    if message.id:
        message.string = pairs.get(message.id, "")
        if not message.string:
            missing.append(message.id)
PO.parent.mkdir(parents=True, exist_ok=True)
with PO.open("wb") as f:
    write_po(f, catalog, omit_header=False, width=100)
if missing:
    print("untranslated:", *missing, sep="\n  ")
    sys.exit(1)
print(f"{len(catalog)} messages translated")
