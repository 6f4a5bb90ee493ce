"""Tiny random MusicGen and Stable Audio Open models, saved as ``save_pretrained`` writes real weights.

Built from small configs the way transformers' and diffusers' own tests build theirs, so the engines load them
through the same ``source = "<folder>"`` path a user's weights take, with no download. The text tokenizer is made
with the ``tokenizers`` library from a small word list (hub tokenizer fixtures cannot be fetched here).

Used by the engine tests, the service tests and ``bench/engines.py``; the weights are random, so the audio is noise.
"""

from __future__ import annotations

from pathlib import Path

WORDS = (
    "calm piano melody with soft strings upbeat electronic dance track drums bass guitar rock jazz ambient pad "
    "slow fast happy sad epic orchestral cinematic lofi hip hop beat synth warm bright dark noise vocals"
).split()


def build_tokenizer(max_length: int = 32):
    """A word-level T5-style tokenizer (pad 0, eos 1, unk 2) wrapped as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    for word in WORDS:
        vocab.setdefault(word, len(vocab))
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    core.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                   model_max_length=max_length)


def tiny_t5_config(vocab_size: int, d_model: int = 16):
    from transformers import T5Config

    return T5Config(vocab_size=vocab_size, d_model=d_model, d_kv=4, d_ff=32, num_layers=2, num_heads=4,
                    relative_attention_num_buckets=8, dropout_rate=0.0, pad_token_id=0, eos_token_id=1,
                    decoder_start_token_id=0)


def musicgen_config(*, tiny: bool = True, audio_channels: int = 1):
    """A MusicGen config: ``tiny`` for tests (16 kHz codec at 25 frames/s, 2 small layers), otherwise the
    MusicGen-small architecture (24 layers, hidden 1024, 16 heads, 4 codebooks of 2048, t5-base, EnCodec 32 kHz)."""
    from transformers import EncodecConfig, MusicgenConfig, MusicgenDecoderConfig, T5Config

    codebooks = 4 * audio_channels
    if tiny:
        text = tiny_t5_config(vocab_size=len(WORDS) + 3)
        audio = EncodecConfig(sampling_rate=16_000, upsampling_ratios=[8, 5, 4, 4], codebook_size=64,
                              hidden_size=16, num_filters=4, num_residual_layers=1, num_lstm_layers=1,
                              target_bandwidths=[1.0], norm_type="weight_norm", use_causal_conv=False,
                              kernel_size=7, last_kernel_size=7, residual_kernel_size=3, compress=2)
        decoder = MusicgenDecoderConfig(vocab_size=64, pad_token_id=64, bos_token_id=64, hidden_size=32,
                                        num_hidden_layers=2, num_attention_heads=4, ffn_dim=64,
                                        max_position_embeddings=1024, num_codebooks=codebooks,
                                        audio_channels=audio_channels, dropout=0.0)
    else:
        text = T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12,
                        dropout_rate=0.0)
        audio = EncodecConfig(sampling_rate=32_000, upsampling_ratios=[8, 5, 4, 4], codebook_size=2048,
                              hidden_size=128, num_filters=64, num_residual_layers=1, num_lstm_layers=2,
                              target_bandwidths=[2.2], norm_type="weight_norm", use_causal_conv=False,
                              compress=2, audio_channels=1, normalize=False, pad_mode="reflect")
        decoder = MusicgenDecoderConfig(vocab_size=2048, hidden_size=1024, num_hidden_layers=24,
                                        num_attention_heads=16, ffn_dim=4096, max_position_embeddings=2048,
                                        num_codebooks=codebooks, audio_channels=audio_channels, dropout=0.0)
    return MusicgenConfig(text_encoder=text.to_dict(), audio_encoder=audio.to_dict(), decoder=decoder.to_dict())


def build_musicgen(folder: Path, *, tiny: bool = True, audio_channels: int = 1, seed: int = 0) -> Path:
    """Save random MusicGen weights, config and tokenizer to ``folder``; return it."""
    import torch
    from transformers import MusicgenForConditionalGeneration

    torch.manual_seed(seed)
    model = MusicgenForConditionalGeneration(musicgen_config(tiny=tiny, audio_channels=audio_channels)).eval()
    if tiny:
        # Random weights give near-uniform logits that ignore the text; sharper heads and louder cross-attention
        # make seeds, prompts and negative prompts change the codes, as they do in a trained model.
        with torch.no_grad():
            for head in model.decoder.lm_heads:
                head.weight.mul_(20.0)
            for layer in model.decoder.model.decoder.layers:
                layer.encoder_attn.v_proj.weight.mul_(30.0)
                layer.encoder_attn.out_proj.weight.mul_(30.0)
    with torch.no_grad():
        # EnCodec's codebooks start as zeros (they are learned); give them values so codes map to distinct audio.
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_(0.0, 1.0)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer = build_tokenizer() if tiny else build_tokenizer(max_length=256)
    tokenizer.save_pretrained(folder)
    return folder


def build_stable_audio(folder: Path, *, seed: int = 0) -> Path:
    """Save a random Stable Audio Open pipeline (44.1 kHz stereo VAE, small DiT, T5, projection) to ``folder``.

    The latent rate is 44100 / 2048 ≈ 21.5 frames per second and ``sample_size`` 256 latents, so the longest
    request is about 11.9 s (the real model: 1024 latents, 47.55 s).
    """
    import torch
    from diffusers import (AutoencoderOobleck, CosineDPMSolverMultistepScheduler, StableAudioDiTModel,
                           StableAudioPipeline, StableAudioProjectionModel)
    from transformers import T5EncoderModel

    torch.manual_seed(seed)
    transformer = StableAudioDiTModel(sample_size=256, in_channels=4, num_layers=2, attention_head_dim=4,
                                      num_attention_heads=2, num_key_value_attention_heads=1, out_channels=4,
                                      cross_attention_dim=8, time_proj_dim=8, global_states_input_dim=8,
                                      cross_attention_input_dim=4)
    scheduler = CosineDPMSolverMultistepScheduler(solver_order=2, prediction_type="v_prediction", sigma_data=1.0,
                                                  sigma_schedule="exponential")
    vae = AutoencoderOobleck(encoder_hidden_size=4, downsampling_ratios=[2, 4, 4, 8, 8], decoder_channels=4,
                             decoder_input_channels=4, audio_channels=2, channel_multiples=[1, 1, 1, 1, 1],
                             sampling_rate=44_100)
    tokenizer = build_tokenizer(max_length=16)
    text_encoder = T5EncoderModel(tiny_t5_config(vocab_size=len(WORDS) + 3))
    projection = StableAudioProjectionModel(text_encoder_dim=16, conditioning_dim=4, min_value=0, max_value=64)
    pipe = StableAudioPipeline(vae=vae, text_encoder=text_encoder, projection_model=projection, tokenizer=tokenizer,
                               transformer=transformer, scheduler=scheduler)
    folder = Path(folder)
    pipe.save_pretrained(folder)
    return folder
