"""Linking benchmark: prints figures, asserts nothing.

Run: python benchmarks/linking.py [linking] [store] [faiss]   (all three by default)


1. linking throughput (papers/s) on the development set, mentions only and with embeddings;
2. our embedding time / raw ``SentenceTransformer.encode`` time on the same texts (target
   <= 1.15: the model is the cost, not our hashing and caching);
3. a realistic day: the 1,000 PubMedQA abstracts mixed with the development set, end to end
   (fresh cache) versus the raw encode rate of the same texts (target >= 2x), and the recall
   on the development papers within that mix (no loss against the development set alone);
4. ``link_new`` twice on a store holding that day: the second run embeds nothing;
5. exact (flat inner product) versus HNSW faiss search at a few sizes (the switch point).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.config import get_settings  # noqa: E402
from tracker.contract import PaperRecord as Paper  # noqa: E402
from tracker.embeddings import Embedder, FileVectorCache  # noqa: E402
from tracker.linking.files import read_products  # noqa: E402
from tracker.linking.linker import Linker  # noqa: E402

DEV = ROOT / "tests" / "data" / "dev"
PUBMEDQA = ROOT / "tests" / "data" / "corpora" / "pubmedqa" / "ori_pqal.json"


GOLD: dict[str, list[str]] = {}


def load() -> tuple[list, list[Paper], set[tuple[str, str]], list[Paper]]:
    catalog, _ = read_products(sorted(DEV.glob("products_*.jsonl")))
    dev, gold = [], set()
    for path in sorted(DEV.glob("papers_*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            obj = json.loads(line)
            dev.append(Paper.model_validate(obj))
            gold |= {(obj["id"], g) for g in obj.get("gold_links", [])}
            GOLD[obj["id"]] = obj.get("gold_links", [])
    data = json.loads(PUBMEDQA.read_text("utf-8"))
    pqa = [Paper(id=f"PMID:{k}", title=v["QUESTION"], abstract=" ".join(v["CONTEXTS"]))
           for k, v in data.items()]
    return catalog, dev, gold, pqa


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def recall(links, gold: set[tuple[str, str]]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    predicted = {(link.paper, link.product) for link in links}
    tp = len(predicted & gold)
    return tp / max(1, len(predicted)), tp / max(1, len(gold))


def main() -> None:
    parts = set(sys.argv[1:]) or {"linking", "store", "faiss"}  # any of these three
    catalog, dev, gold, pqa = load()
    tmp = Path(tempfile.mkdtemp(prefix="bench-linking-"))
    settings = get_settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'bench.db'}")
    print(f"catalogue {len(catalog)} products; dev {len(dev)} papers ({len(gold)} gold pairs); "
          f"PubMedQA {len(pqa)} abstracts")
    if "linking" in parts:
        linking_figures(settings, tmp, catalog, dev, gold, pqa)
    if "store" in parts:
        store_figures(settings, catalog, pqa + dev)
    if "faiss" in parts:
        faiss_figures()


def linking_figures(settings, tmp, catalog, dev, gold, pqa) -> None:  # type: ignore[no-untyped-def]

    # 1. throughput without and with embeddings
    plain = Linker(catalog)
    results, seconds = timed(lambda: plain.link(dev))
    p, r = recall([link for res in results for link in res.links], gold)
    print(f"[1] mentions only: {len(dev) / seconds:.1f} papers/s (P {p:.3f} R {r:.3f})")

    embedder = Embedder(settings.embedding_model, cache=FileVectorCache(tmp / "cache1"))
    model = embedder.model  # load once, outside the timings
    model.encode(["warm up"], normalize_embeddings=True)
    with_emb = Linker(catalog, embedder=embedder)
    results, seconds = timed(lambda: with_emb.link(dev))
    links_dev = [link for res in results for link in res.links]
    p_dev, r_dev = recall(links_dev, gold)
    print(f"[1] with embeddings (cold cache): {len(dev) / seconds:.1f} papers/s "
          f"(P {p_dev:.3f} R {r_dev:.3f})")

    # 2. overhead of our embedding path over the raw model on the same texts
    texts = [paper.text for paper in (dev + pqa)[:600]]
    raw = lambda: model.encode(texts, batch_size=64, normalize_embeddings=True,  # noqa: E731
                               convert_to_numpy=True, show_progress_bar=False)
    _, raw_a = timed(raw)
    ours = Embedder(settings.embedding_model, cache=FileVectorCache(tmp / "cache2"))
    ours._model = model
    _, our_s = timed(lambda: ours.embed(texts))
    _, raw_b = timed(raw)
    raw_s = (raw_a + raw_b) / 2
    print(f"[2] {len(texts)} texts: raw encode {raw_s:.2f}s, ours (hash + cache + encode) "
          f"{our_s:.2f}s, ratio {our_s / raw_s:.3f} (target <= 1.15)")
    _, again = timed(lambda: ours.embed(texts))
    print(f"[2] same texts again through the cache: {again:.3f}s")

    # 3. a realistic day, end to end, fresh cache
    day = pqa + dev
    day_embedder = Embedder(settings.embedding_model, cache=FileVectorCache(tmp / "cache3"))
    day_embedder._model = model
    day_linker = Linker(catalog, embedder=day_embedder)
    results, day_s = timed(lambda: day_linker.link(day))
    day_texts = [paper.text for paper in day]
    _, raw_day = timed(lambda: model.encode(day_texts, batch_size=64, normalize_embeddings=True,
                                            convert_to_numpy=True, show_progress_bar=False))
    links_day = [link for res in results for link in res.links]
    dev_keys = {paper.id for paper in dev}
    p_mix, r_mix = recall([link for link in links_day if link.paper in dev_keys], gold)
    pqa_links = sum(1 for link in links_day if link.paper not in dev_keys)
    print(f"[3] realistic day ({len(day)} papers): end to end {len(day) / day_s:.1f} papers/s vs "
          f"raw encode {len(day) / raw_day:.1f} texts/s = {raw_day / day_s:.2f}x (target >= 2x); "
          f"embedded {day_embedder.stats.encoded} of {len(day)}; dev P {p_mix:.3f} R {r_mix:.3f} "
          f"(dev alone R {r_dev:.3f}); PubMedQA links {pqa_links}")


def store_figures(settings, catalog, day: list[Paper]) -> None:  # type: ignore[no-untyped-def]
    from tracker.db.engine import open_store, session
    from tracker.db.models import Company, Product, ProductAlias, Publication
    from tracker.linking.pipeline import link_new
    from tracker.names import normalize_company, normalize_product

    engine = open_store(settings.database_url)
    with session(engine) as s:
        companies: dict[str, Company] = {}
        for i, item in enumerate(catalog):
            key = normalize_company(item.company)
            if key not in companies:
                companies[key] = Company(name=item.company, normalized_name=key)
                s.add(companies[key])
                s.flush()
            product = Product(slug=f"p{i}-{item.id}", company_id=companies[key].id or 0,
                              name=item.name, normalized_name=normalize_product(item.name),
                              modality=", ".join(item.modality), description=item.description)
            s.add(product)
            s.flush()
            aliases = {normalize_product(a): a for a in item.aliases}
            for normalized, alias in aliases.items():
                s.add(ProductAlias(product_id=product.id or 0, alias=alias, normalized=normalized))
        for i, paper in enumerate(day):
            s.add(Publication(title=paper.title, normalized_title=f"{i} {paper.title.lower()}",
                              abstract=paper.abstract, affiliations=paper.affiliations,
                              publication_types=paper.publication_types,
                              conflicts=paper.conflicts, content_hash=f"h{i}", source="bench"))
        s.commit()
    first, first_s = timed(lambda: link_new(engine, settings))
    from sqlmodel import select

    from tracker.db.models import PaperProductLink

    with session(engine) as s:
        slug = {p.id: p.slug.split("-", 1)[1] for p in s.exec(select(Product))}
        paper_key = {i + 1: paper.id for i, paper in enumerate(day)}
        stored = {(paper_key[link.publication_id], slug[link.product_id])
                  for link in s.exec(select(PaperProductLink))}
    gold = {(pk, g) for pk, gs in GOLD.items() for g in gs}
    tp = len(stored & gold)
    print(f"[4] store links vs gold: P {tp / max(1, len(stored)):.3f} R {tp / max(1, len(gold)):.3f}")
    second, second_s = timed(lambda: link_new(engine, settings))
    print(f"[4] process #1: {first_s:.2f}s, {first['linked_now']} papers, {first['links']} links, "
          f"embedded {first['embedded']}, indexed {first['indexed']}")
    print(f"[4] process #2 (unchanged store): {second_s:.3f}s, {second['linked_now']} papers, "
          f"embedded {second['embedded']} = {100 * second_s / first_s:.1f}% of the first run")


def faiss_figures() -> None:
    import faiss

    from tracker.linking.index import VectorIndex

    rng = np.random.default_rng(7)
    dim, queries, k = 384, 200, 10
    # text embeddings cluster by topic: draw vectors around 2,000 topic centres (uniform random
    # vectors are the worst case for graph indexes and say little about real papers)
    centres = rng.normal(size=(2000, dim)).astype(np.float32)

    def sample(n: int) -> np.ndarray:
        picks = centres[rng.integers(0, len(centres), size=n)]
        vectors = picks + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    q = sample(queries)
    print(f"[5] faiss {faiss.__version__}, GPUs {faiss.get_num_gpus()}; {queries} queries, k={k}")
    for size in (10_000, 50_000, 200_000):
        base = sample(size)
        ids = np.arange(size, dtype=np.int64)
        row = []
        truth = None
        for kind in ("flat", "hnsw"):
            index = VectorIndex(dim, model="bench", kind=kind)
            _, build = timed(lambda index=index, base=base, ids=ids: index.index.add_with_ids(base, ids))
            hits, search = timed(lambda index=index: index.search(q, k))
            found = [{i for i, _ in h} for h in hits]
            if truth is None:
                truth = found
            rec = np.mean([len(a & b) / k for a, b in zip(found, truth, strict=True)])
            row.append(f"{kind}: build {build:.2f}s, {1000 * search / queries:.2f} ms/query, "
                       f"recall@{k} {rec:.3f}")
        print(f"[5] {size:>7} vectors: " + "; ".join(row))


if __name__ == "__main__":
    main()
