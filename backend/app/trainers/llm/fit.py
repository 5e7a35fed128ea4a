"""Device, model and TRL `SFTTrainer` set-up; the resumable run itself."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from app.trainers.base import TrainerContext, TrainerError
from app.trainers.llm.params import SFTParams

CHECKPOINT_PREFIX = "checkpoint-"
CHECKPOINT_FILES = ("trainer_state.json", "optimizer.pt", "scheduler.pt")


def choose_device(p: SFTParams) -> tuple[str, str]:
    """("cpu" | "cuda", "fp32" | "bf16" | "fp16"); QLoRA is refused without CUDA + bitsandbytes."""
    import torch

    cuda = torch.cuda.is_available()
    if p.quantization == "4bit" and not (cuda and importlib.util.find_spec("bitsandbytes")):
        raise TrainerError(
            "quantization '4bit' (QLoRA) needs a CUDA GPU and the bitsandbytes library; this "
            "worker has "
            + ("no bitsandbytes" if cuda else "no GPU")
            + ". Set quantization to 'none' to fine-tune with LoRA.",
            code="qlora_unavailable",
        )
    if not cuda:
        return "cpu", "fp32"
    if p.precision != "auto":
        return "cuda", p.precision
    return "cuda", "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def load_model(base: Path, p: SFTParams, device: str, precision: str, seed: int) -> Any:
    """The base causal LM (frozen) wrapped with seeded LoRA adapters."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, set_seed

    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    kwargs: dict[str, Any] = {"dtype": dtype, "local_files_only": True, "use_safetensors": True}
    if p.quantization == "4bit":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=dtype,
            bnb_4bit_use_double_quant=True,
        )
    model: Any = AutoModelForCausalLM.from_pretrained(str(base), **kwargs)
    if p.quantization == "4bit":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, p.gradient_checkpointing)
    set_seed(seed)
    config = LoraConfig(
        task_type="CAUSAL_LM",
        r=p.lora_r,
        lora_alpha=p.lora_alpha,
        lora_dropout=p.lora_dropout,
        target_modules=p.lora_target_modules or "all-linear",
    )
    model = get_peft_model(model, config)
    return model.to(device) if p.quantization == "none" else model


def sft_config(ctx: TrainerContext, p: SFTParams, device: str, precision: str, evals: bool) -> Any:
    """TRL's SFTConfig for this run: checkpoints in `ctx.checkpoint_dir`, no outside reporting."""
    from trl import SFTConfig

    eval_strategy = "no" if not evals else ("steps" if p.eval_every_steps else "epoch")
    return SFTConfig(
        output_dir=str(ctx.checkpoint_dir),
        num_train_epochs=p.epochs,
        max_steps=p.max_steps or -1,
        per_device_train_batch_size=p.batch_size,
        per_device_eval_batch_size=p.batch_size,
        gradient_accumulation_steps=p.gradient_accumulation_steps,
        learning_rate=p.learning_rate,
        lr_scheduler_type=p.lr_scheduler,
        warmup_steps=p.warmup_ratio,
        weight_decay=p.weight_decay,
        max_grad_norm=p.max_grad_norm,
        logging_steps=p.logging_every_steps,
        logging_first_step=True,
        eval_strategy=eval_strategy,
        eval_steps=p.eval_every_steps or None,
        save_strategy="steps",
        save_steps=p.checkpoint_every_steps,
        save_total_limit=p.checkpoint_limit,
        seed=ctx.seed,
        data_seed=ctx.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=device == "cpu",
        gradient_checkpointing=p.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False},
        max_length=p.max_seq_length,
        packing=p.packing,
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        include_num_input_tokens_seen="non_padding",
        save_only_model=False,
    )


def last_checkpoint(folder: Path) -> Path | None:
    """The newest complete `checkpoint-N` folder (a save cut short by a kill is skipped)."""
    done = []
    for entry in folder.glob(f"{CHECKPOINT_PREFIX}*"):
        number = entry.name.removeprefix(CHECKPOINT_PREFIX)
        if number.isdigit() and all((entry / f).is_file() for f in CHECKPOINT_FILES):
            done.append((int(number), entry))
    return max(done)[1] if done else None


def build_trainer(
    model: Any,
    tokenizer: Any,
    config: Any,
    train: Any,
    evaluation: Any,
    callbacks: list[Any],
    device: str,
) -> Any:
    """TRL's SFTTrainer on pre-tokenized data (labels = assistant tokens only)."""
    from transformers import Trainer
    from trl import SFTTrainer

    class PlatformSFTTrainer(SFTTrainer):
        """On CPU the loss is the model's own cross-entropy over the logits.

        TRL's loss goes through a chunked LM head that also yields entropy and token accuracy
        (metrics this platform does not report). Without Triton it runs as a dozen elementwise
        passes over (tokens x vocabulary) tiles each way and repeats the projection in the
        backward pass: on CPU it cost 2.3x the plain head (SmolLM2: a 49k vocabulary), each
        step 1.28x. On CUDA its Triton kernel is kept, fast there and without full logits.
        """

        def compute_loss(
            self,
            model: Any,
            inputs: dict[str, Any],
            return_outputs: bool = False,
            num_items_in_batch: Any = None,
        ) -> Any:
            if device != "cpu":
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            inputs["use_cache"] = False
            return Trainer.compute_loss(self, model, inputs, return_outputs, num_items_in_batch)

    return PlatformSFTTrainer(
        model=model,
        args=config,
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
        callbacks=callbacks,
    )
