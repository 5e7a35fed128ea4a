"""The SFT trainer's loss: on CPU the model's own cross-entropy, equal to TRL's fused head."""

import io
from pathlib import Path

import pytest
import torch

from app.trainers.base import JobSpec, TrainerContext
from app.trainers.llm.fit import build_trainer, sft_config
from app.trainers.llm.params import SFTParams
from app.trainers.llm.trainer import SFTRun
from tests.llm.conftest import TINY_SFT

pytestmark = pytest.mark.timeout(600)


def test_cpu_loss_equals_trls_fused_head_on_assistant_tokens(
    llm_storage: Path, chat_data: Path, tmp_path: Path
) -> None:
    from trl import SFTTrainer

    params = SFTParams(**TINY_SFT)
    spec = JobSpec.in_work_dir(
        tmp_path / "job",
        job_id="fit",
        task_type="llm_sft",
        trainer="lora_sft",
        dataset_path=chat_data,
        params=params.model_dump(),
        split_ratios=(0.8, 0.1, 0.1),
        seed=42,
        model_storage_path=llm_storage,
    )
    ctx = TrainerContext(spec, params, stream=io.StringIO())
    run = SFTRun(ctx)
    run.prepare()
    config = sft_config(ctx, params, "cpu", "fp32", evals=False)
    trainer = build_trainer(run.model, run.tokenizer, config, run.train_set, None, [], "cpu")
    batch = trainer._prepare_inputs(next(iter(trainer.get_train_dataloader())))
    scored = int((batch["labels"] != -100).sum())
    assert 0 < scored < int(batch["attention_mask"].sum())  # prompts and padding carry no loss
    trainer.model.eval()  # no LoRA dropout: both passes see the same network
    with torch.no_grad():
        ours = trainer.compute_loss(trainer.model, dict(batch), num_items_in_batch=scored)
        assert "entropy" not in trainer._metrics["eval"]  # TRL's fused head was not run
        trls = SFTTrainer.compute_loss(
            trainer, trainer.model, dict(batch), num_items_in_batch=scored
        )
        assert "entropy" in trainer._metrics["eval"]
    assert float(ours) == pytest.approx(float(trls), rel=1e-5)


def test_activation_estimate_covers_what_the_backward_pass_keeps(llm_storage: Path) -> None:
    from app.trainers.llm.fit import load_model
    from app.trainers.llm.memory import ModelShape, estimate_memory
    from app.trainers.text.transformer.base_model import inspect_base_model

    base = llm_storage / "base" / "tiny-llama"
    params = SFTParams(**{**TINY_SFT, "batch_size": 4, "max_seq_length": 64})
    model = load_model(base, params, "cpu", "fp32", seed=0)
    model.train()
    ids = torch.randint(
        0, model.config.vocab_size, (4, 64), generator=torch.Generator().manual_seed(0)
    )
    storages: dict[int, int] = {}

    def keep(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    # Everything the decoder layers keep for the backward pass (the LM head is counted apart).
    with torch.autograd.graph.saved_tensors_hooks(keep, lambda tensor: tensor):
        model.get_base_model().model(input_ids=ids, use_cache=False)
    kept = sum(storages.values())
    shape = ModelShape.from_folder(base, inspect_base_model(base).parameters or 0)
    estimated = estimate_memory(shape, params).activations
    assert kept <= estimated < 2 * kept
