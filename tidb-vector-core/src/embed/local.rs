//! A sentence-transformers model run in-process with candle (feature `local-embeddings`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::{BoxError, Embedder};
use crate::error::{Error, Result};

/// A sentence-transformers model directory (a BERT encoder: all-MiniLM-L6-v2, bge-small, e5-small, ...)
/// run on the CPU in this process with [candle](https://docs.rs/candle-core): no service, no key, no
/// network. It reads what sentence-transformers reads and embeds as it does: the tokenizer
/// (`tokenizer.json`), truncation at `max_seq_length` (`sentence_bert_config.json`), the encoder
/// (`config.json`, `model.safetensors`), the pooling of `1_Pooling/config.json` (mean or CLS) and the
/// normalisation `modules.json` lists.
///
/// ```no_run
/// use tidb_vector_core::embed::SentenceTransformer;
/// use tidb_vector_core::Embedder;
///
/// # async fn run() -> tidb_vector_core::Result<()> {
/// // `bash .ci/model.sh` unpacks all-MiniLM-L6-v2 there.
/// let model = SentenceTransformer::load("target/models/all-MiniLM-L6-v2")?;
/// assert_eq!(model.dimensions(), 384);
/// # Ok(()) }
/// ```
///
/// Each batch runs on a blocking thread of the caller's Tokio runtime (`spawn_blocking`), so a
/// search's task is not held up. Cloning shares the loaded model.
#[derive(Clone)]
pub struct SentenceTransformer {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    model: BertModel,
    tokenizer: Tokenizer,
    pooling: Pooling,
    normalize: bool,
    dimensions: usize,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pooling {
    Mean,
    Cls,
}

impl std::fmt::Debug for SentenceTransformer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceTransformer")
            .field("dir", &self.inner.dir)
            .field("dimensions", &self.inner.dimensions)
            .field("pooling", &self.inner.pooling)
            .field("normalize", &self.inner.normalize)
            .finish_non_exhaustive()
    }
}

/// A load failure: [`Error::Embed`] naming the directory and what in it is wrong.
fn load_error(dir: &Path, what: impl std::fmt::Display, source: Option<BoxError>) -> Error {
    Error::Embed {
        reason: format!(
            "cannot load the sentence-transformers model in {}: {what}",
            dir.display()
        ),
        source,
    }
}

fn read_json(dir: &Path, file: &str) -> Result<serde_json::Value> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| load_error(dir, format!("cannot read {file}"), Some(e.into())))?;
    serde_json::from_str(&text)
        .map_err(|e| load_error(dir, format!("{file} is not JSON"), Some(e.into())))
}

impl SentenceTransformer {
    /// Loads the model in `dir` (about 90 MB of weights for all-MiniLM-L6-v2, read into memory). A
    /// missing or malformed file, or a pooling other than mean or CLS, is [`Error::Embed`] naming it.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let modules = read_json(dir, "modules.json")?;
        let modules = modules.as_array().map(Vec::as_slice).unwrap_or_default();
        let types: Vec<&str> = modules.iter().filter_map(|m| m["type"].as_str()).collect();
        if !types.iter().any(|t| t.ends_with(".Transformer")) {
            return Err(load_error(
                dir,
                "modules.json lists no Transformer module",
                None,
            ));
        }
        let normalize = types.iter().any(|t| t.ends_with(".Normalize"));
        let pooling_dir = modules
            .iter()
            .find(|m| m["type"].as_str().is_some_and(|t| t.ends_with(".Pooling")))
            .and_then(|m| m["path"].as_str())
            .unwrap_or("1_Pooling")
            .to_owned();
        let pooling_config = read_json(dir, &format!("{pooling_dir}/config.json"))?;
        let mode = |name: &str| pooling_config[name].as_bool().unwrap_or(false);
        let pooling = match (
            mode("pooling_mode_mean_tokens"),
            mode("pooling_mode_cls_token"),
        ) {
            (true, false) => Pooling::Mean,
            (false, true) => Pooling::Cls,
            _ => {
                return Err(load_error(
                    dir,
                    format!(
                        "{pooling_dir}/config.json asks for a pooling other than mean or CLS alone"
                    ),
                    None,
                ));
            }
        };
        let max_length = read_json(dir, "sentence_bert_config.json")
            .ok()
            .and_then(|c| c["max_seq_length"].as_u64())
            .unwrap_or(512) as usize;

        let config: Config =
            serde_json::from_value(read_json(dir, "config.json")?).map_err(|e| {
                load_error(
                    dir,
                    "config.json is not a BERT configuration",
                    Some(e.into()),
                )
            })?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| load_error(dir, "cannot read tokenizer.json", Some(e)))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_length.min(config.max_position_embeddings),
                ..TruncationParams::default()
            }))
            .map_err(|e| load_error(dir, "cannot set the tokenizer's truncation", Some(e)))?;
        let weights = std::fs::read(dir.join("model.safetensors"))
            .map_err(|e| load_error(dir, "cannot read model.safetensors", Some(e.into())))?;
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| load_error(dir, "model.safetensors is not readable", Some(e.into())))?;
        let model = BertModel::load(vb, &config)
            .map_err(|e| load_error(dir, "the weights do not fit config.json", Some(e.into())))?;
        Ok(SentenceTransformer {
            inner: Arc::new(Inner {
                dir: dir.to_owned(),
                dimensions: config.hidden_size,
                model,
                tokenizer,
                pooling,
                normalize,
            }),
        })
    }
}

impl Inner {
    /// The sentence vectors of `texts`, on this thread.
    fn embed(&self, texts: Vec<String>) -> std::result::Result<Vec<Vec<f32>>, BoxError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self.tokenizer.encode_batch(texts, true)?;
        let device = &self.model.device;
        let rows = |field: fn(&tokenizers::Encoding) -> &[u32]| -> candle_core::Result<Tensor> {
            let rows = encodings
                .iter()
                .map(|e| Tensor::new(field(e), device))
                .collect::<candle_core::Result<Vec<_>>>()?;
            Tensor::stack(&rows, 0)
        };
        let ids = rows(tokenizers::Encoding::get_ids)?;
        let types = rows(tokenizers::Encoding::get_type_ids)?;
        let mask = rows(tokenizers::Encoding::get_attention_mask)?;
        // (batch, tokens, hidden)
        let hidden = self.model.forward(&ids, &types, Some(&mask))?;
        let pooled = match self.pooling {
            Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
            Pooling::Mean => {
                let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
                let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
                let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
                summed.broadcast_div(&counts)?
            }
        };
        let pooled = if self.normalize {
            let norms = pooled
                .sqr()?
                .sum_keepdim(1)?
                .sqrt()?
                .clamp(1e-12, f64::MAX)?;
            pooled.broadcast_div(&norms)?
        } else {
            pooled
        };
        Ok(pooled.to_vec2::<f32>()?)
    }
}

impl Embedder for SentenceTransformer {
    fn dimensions(&self) -> usize {
        self.inner.dimensions
    }

    fn max_batch(&self) -> usize {
        32
    }

    async fn embed(&self, texts: Vec<String>) -> std::result::Result<Vec<Vec<f32>>, BoxError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || inner.embed(texts)).await?
    }
}
