"""Build tracker/nlp/data/medical_words.json: words common in biomedical abstracts.

wordfreq knows general English, where "plaque", "ischemia" or "contour" are rare; in a
paper they are everyday words and cannot make a product name distinctive. This script
counts, in real abstracts, the documents each lower-cased word appears in and keeps those
seen in at least MIN_DOCS of them.

Usage: python scripts/build_medical_words.py PUBMEDQA_JSON [CDSS_CSV]
  PUBMEDQA_JSON: tests/data/corpora/pubmedqa/ori_pqal.json (PubMedQA, MIT)
  CDSS_CSV: cdss_ro_screening.csv (title-abstract-screening-ai, MIT; ';'-separated, cp1252)
"""

import csv
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

MIN_DOCS = 3
WORD = re.compile(r"[a-z][a-z\-]{2,}")


def docs_pubmedqa(path: Path) -> list[str]:
    data = json.loads(path.read_text("utf-8"))
    return [" ".join([v.get("QUESTION", ""), *v.get("CONTEXTS", []), v.get("LONG_ANSWER", "")])
            for v in data.values()]


def docs_cdss(path: Path) -> list[str]:
    text = path.read_bytes().decode("cp1252", errors="replace")
    return [f"{row.get('Title', '')} {row.get('Abstract', '')}"
            for row in csv.DictReader(io.StringIO(text), delimiter=";")]


def main() -> None:
    docs = docs_pubmedqa(Path(sys.argv[1]))
    if len(sys.argv) > 2:
        docs += docs_cdss(Path(sys.argv[2]))
    counts: Counter[str] = Counter()
    for doc in docs:
        words = set()
        for word in WORD.findall(doc.lower()):
            words.add(word)
            words.update(p for p in word.split("-") if len(p) >= 3)
        counts.update(words)
    keep = sorted(w for w, n in counts.items() if n >= MIN_DOCS)
    out = Path(__file__).resolve().parents[1] / "tracker" / "nlp" / "data" / "medical_words.json"
    out.write_text(json.dumps({"min_docs": MIN_DOCS, "documents": len(docs), "words": keep},
                              indent=0) + "\n")
    print(f"{len(keep)} words from {len(docs)} abstracts -> {out}")


if __name__ == "__main__":
    main()
