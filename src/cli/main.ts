/**
 * The command line: `descent train | sample | eval | plot`, each with --help. Flags are the
 * TrainConfig fields in kebab-case (--n-layer 6); a preset and a JSON config file may set them too.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { setBackend } from '../backend/registry.js';
import { tokenizerFromJSON } from '../data/tokenizers/tokenizer.js';
import { TokenCache } from '../data/token-cache.js';
import { GPT, type GPTConfig } from '../models/gpt.js';
import { loadCheckpoint, restoreCheckpoint } from '../train/checkpoint.js';
import { type TrainConfig, configKeys, defaultPreset, mergeConfig, parseField, presetConfig, presets } from '../train/config.js';
import { plotMetrics } from '../train/metrics.js';
import { estimateLoss, savedTrainConfig, train } from '../train/trainer.js';

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const fmt = (n: number, digits = 4): string => n.toFixed(digits);

function trainCommand(): Command {
  const cmd = new Command('train')
    .description(`Pretrain a GPT on a text corpus. With no options: the ${defaultPreset} preset on the bundled tiny Shakespeare.`)
    .option('--preset <name>', `one of: ${Object.keys(presets).join(', ')}`, defaultPreset)
    .option('--config <file>', 'a JSON file of options (camelCase keys), applied over the preset')
    .option('--quiet', 'no progress bar; a log line every logInterval iterations');
  const defaults = presets[defaultPreset]!;
  for (const key of configKeys) {
    cmd.addOption(new Option(`--${kebab(key)} <value>`, `(default ${JSON.stringify(defaults[key])})`).argParser((raw) => parseField(key, raw)));
  }
  cmd.action(async (opts: Record<string, unknown>) => {
    let config = presetConfig(opts.preset as string);
    if (opts.config) {
      let fileConfig: unknown;
      try {
        fileConfig = JSON.parse(readFileSync(opts.config as string, 'utf8'));
      } catch (e) {
        throw new Error(`--config ${opts.config as string}: ${(e as Error).message}`);
      }
      config = mergeConfig(config, fileConfig as Record<string, unknown>, `--config ${opts.config as string}`);
    }
    const flags = Object.fromEntries(configKeys.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
    config = mergeConfig(config, flags, 'flags');
    await runTraining(config, Boolean(opts.quiet) || !process.stderr.isTTY);
  });
  return cmd;
}

async function runTraining(config: TrainConfig, quiet: boolean): Promise<void> {
  const bar = quiet ? null : new cliProgress.SingleBar({
    format: 'step {value}/{total} |{bar}| loss {loss} | lr {lr} | {tps} tok/s | ETA {eta_formatted}',
    barsize: 24,
    hideCursor: true,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  const say = (line: string): void => {
    if (bar) bar.stop();
    console.log(line);
  };
  const started = Date.now();
  const result = await train(config, {
    onStart: ({ params, flopsPerToken, resumedFrom, backend }) => {
      console.log(`descent train: ${config.nLayer} layers, ${config.nHead} heads, ${config.nEmbd} wide, context ${config.blockSize}, batch ${config.batchSize}` +
        `${config.gradientAccumulationSteps > 1 ? ` x ${config.gradientAccumulationSteps}` : ''}; ${(params / 1e6).toFixed(2)}M parameters, ` +
        `${(flopsPerToken / 1e6).toFixed(1)} MFLOP per token; backend ${backend}`);
      console.log(`corpus ${config.dataset}, output ${config.outDir}${resumedFrom !== null ? `, resuming at iteration ${resumedFrom}` : ''}`);
      bar?.start(config.maxIters, resumedFrom ?? 0, { loss: '-', lr: '-', tps: '-' });
    },
    onIter: ({ iter, loss, lr, tokensPerSec, ms, flops }) => {
      if (bar) {
        if (!bar.isActive) bar.start(config.maxIters, iter, {});
        bar.update(iter + 1, { loss: fmt(loss), lr: lr.toExponential(2), tps: Math.round(tokensPerSec) });
      } else if (iter % config.logInterval === 0) {
        console.log(`iter ${iter}: loss ${fmt(loss)}, lr ${lr.toExponential(2)}, ${ms.toFixed(0)} ms, ${Math.round(tokensPerSec)} tok/s, ${(flops / 1e9).toFixed(1)} GFLOP/s`);
      }
    },
    onEval: ({ iter, train: tl, val, saved }) => {
      say(`step ${iter}: train loss ${fmt(tl)}, val loss ${fmt(val)}${saved ? ' (saved checkpoint)' : ''}`);
    },
  });
  bar?.stop();
  const plot = await plotMetrics(config.outDir);
  console.log(`done: ${result.iters} iterations in ${((Date.now() - started) / 1000).toFixed(1)} s; final train loss ${fmt(result.finalTrain)}, ` +
    `val loss ${fmt(result.finalVal)} (best ${fmt(result.bestVal)}) over ${config.finalEvalIters} batches each`);
  console.log(`checkpoint: ${result.checkpointDir}\nloss curve: ${plot}`);
  console.log(`sample it:  npx descent sample --checkpoint ${result.checkpointDir} --prompt "ROMEO:"`);
}

/** The model and tokenizer of a checkpoint directory. */
function loadModel(dir: string): { model: GPT; tokenizer: ReturnType<typeof tokenizerFromJSON> } {
  const saved = loadCheckpoint(dir);
  const model = new GPT(saved.config as unknown as GPTConfig);
  restoreCheckpoint(dir, { model });
  if (!saved.tokenizer) throw new Error(`${dir}: the checkpoint holds no tokenizer`);
  return { model, tokenizer: tokenizerFromJSON(saved.tokenizer) };
}

function sampleCommand(): Command {
  return new Command('sample')
    .description('Generate text from a trained checkpoint, streaming it as it comes.')
    .requiredOption('--checkpoint <dir>', 'a checkpoint directory (out-shakespeare-char/ckpt after descent train)')
    .option('--prompt <text>', 'the text to continue', '\n')
    .option('--max-new-tokens <n>', 'tokens to generate', (v) => parseInt(v, 10), 500)
    .option('--temperature <t>', 'below 1 is more conservative, above 1 more surprising', Number, 0.8)
    .option('--top-k <k>', 'sample only among the k most likely tokens', (v) => parseInt(v, 10), 200)
    .option('--top-p <p>', 'nucleus sampling: the smallest set of tokens with this much probability', Number)
    .option('--seed <n>', 'seed the sampling for a reproducible text', (v) => parseInt(v, 10), 1337)
    .option('--backend <name>', 'compute backend')
    .action(async (opts: { checkpoint: string; prompt: string; maxNewTokens: number; temperature: number; topK: number; topP?: number; seed: number; backend?: string }) => {
      if (opts.backend) setBackend(opts.backend);
      const { model, tokenizer } = loadModel(opts.checkpoint);
      const prompt = tokenizer.encode(opts.prompt);
      process.stdout.write(opts.prompt);
      const ids: number[] = [];
      let shown = '';
      for await (const id of model.stream(Array.from(prompt), { maxNewTokens: opts.maxNewTokens, temperature: opts.temperature, topK: opts.topK, ...(opts.topP ? { topP: opts.topP } : {}), seed: opts.seed })) {
        ids.push(id);
        // Decode the whole continuation each time: a BPE token can be half of a multi-byte character.
        const text = tokenizer.decode(ids);
        process.stdout.write(text.slice(shown.length));
        shown = text;
      }
      process.stdout.write('\n');
    });
}

function evalCommand(): Command {
  return new Command('eval')
    .description('Estimate the train and val loss of a checkpoint on the corpus it was trained on.')
    .requiredOption('--checkpoint <dir>', 'a checkpoint directory')
    .option('--iters <n>', 'batches per split', (v) => parseInt(v, 10), 200)
    .option('--backend <name>', 'compute backend')
    .action((opts: { checkpoint: string; iters: number; backend?: string }) => {
      if (opts.backend) setBackend(opts.backend);
      const config = savedTrainConfig(opts.checkpoint);
      const { model } = loadModel(opts.checkpoint);
      const cache = TokenCache.open(join(config.outDir, 'data'));
      const tl = estimateLoss(model, cache.train, config, opts.iters);
      const vl = estimateLoss(model, cache.val, config, opts.iters);
      console.log(`train loss ${fmt(tl)}, val loss ${fmt(vl)} (${opts.iters} batches of ${config.batchSize} x ${config.blockSize} tokens each)`);
      cache.close();
    });
}

function plotCommand(): Command {
  return new Command('plot')
    .description('Draw the loss curve of a training run (metrics.jsonl) as an SVG.')
    .option('--out-dir <dir>', 'the run directory', presets[defaultPreset]!.outDir)
    .action(async (opts: { outDir: string }) => {
      console.log(await plotMetrics(opts.outDir));
    });
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = new Command('descent')
    .description('descent: train, sample and evaluate GPT language models in TypeScript.')
    .exitOverride()
    .addCommand(trainCommand())
    .addCommand(sampleCommand())
    .addCommand(evalCommand())
    .addCommand(plotCommand());
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    console.error(`descent: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
