import { ATTACK_FIELDS, STUDY_FIELDS } from '@advlab/config';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_DEADLINE_S } from './client';
import { advTrain } from './commands/adv-train';
import { attack } from './commands/attack';
import { cancel } from './commands/cancel';
import { datasets } from './commands/datasets';
import { info } from './commands/info';
import { deleteModel } from './commands/delete-model';
import { evaluate } from './commands/evaluate';
import { importDataset } from './commands/import';
import { model } from './commands/model';
import { models } from './commands/models';
import { predict } from './commands/predict';
import { run } from './commands/run';
import { runs } from './commands/runs';
import { report } from './commands/report';
import { study } from './commands/study';
import { sweep } from './commands/sweep';
import { train } from './commands/train';
import { watch } from './commands/watch';
import { workers } from './commands/workers';
import { processContext, type CliContext, type Writer } from './context';
import { EXIT, reportError } from './errors';
import { arg, ATTACK_METHODS_TEXT, attackOptions, autoAttackOptions, modelTrainingOptions, outputOptions, repeatable, timeoutOption } from './options';
import { parseAxis, parseEpsList, parseKind, parseMethod, parseNumber, parsePreset, parseRankBy, parseSplit, parseStatus } from './parse';

const int = (name: string, min: number, max?: number) => arg((t) => parseNumber(name, t, { integer: true, min, max }));
const real = (name: string, min: number, max?: number) => arg((t) => parseNumber(name, t, { min, max }));

const EXAMPLES = `
Examples:
  advlab datasets
  advlab import flowers ./flowers --size 64
  advlab train --dataset fashion-mnist-mini --feature-maps 32,64 --epochs 5
  advlab adv-train --dataset fashion-mnist-mini --eps 8/255 --steps 10
  advlab evaluate mdl-... --attack fgsm --attack pgd --eps 8/255
  advlab attack mdl-... --gallery 20 --out gallery.png --curve 0,2/255,4/255,8/255
  advlab sweep --dataset fashion-mnist-mini --axis model.feature_maps=[32,64]|[16,32,64] --axis training.learning_rate=0.001,0.0005
  advlab predict mdl-... ./test --out submission.csv
  advlab study --dataset fashion-mnist-mini --preset quick --report report.html
  advlab report run-... --out report.html
  advlab workers --all

Environment:
  ADVLAB_TRAINER_ADDR  trainer service (default 127.0.0.1:50051)
  ADVLAB_ATTACK_ADDR   attack server (default 127.0.0.1:50052)
  ADVLAB_TOKEN         bearer token, when the services require one

Exit codes: 0 done, 1 the run or operation failed or was cancelled, 2 bad usage or
invalid argument, 3 service unreachable, 130 Ctrl-C (a run goes on on the server).`;

/** The advlab command tree; each action runs one command of src/commands with `ctx`. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('advlab')
    .description('Train image classifiers and test their adversarial robustness through the advlab services.')
    .version('0.1.0')
    // advlab's own options come before the command, so a command may have a --version of its own (AutoAttack's).
    .enablePositionalOptions()
    .showHelpAfterError('(advlab <command> --help shows the usage)')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
  const command = (name: string, description: string) => program.command(name).description(description).exitOverride();
  const runFlags = (cmd: Command) => cmd.option('--name <name>', 'run name (default: made from the config)').option('--detach', 'return once the run is created');

  runFlags(modelTrainingOptions(outputOptions(command('train', 'train a model and follow the run'), { stream: true })))
    .requiredOption('--dataset <id>', 'dataset to train on (see advlab datasets)')
    .option('--base-model <id>', "start from a stored model's weights")
    .action((opts) => train(ctx, opts));

  runFlags(attackOptions(modelTrainingOptions(outputOptions(command('adv-train', 'adversarially train a model (PGD or FGSM-RS) and follow the run'), { stream: true })), { methods: 'pgd or fgsm-rs', steps: ATTACK_FIELDS.trainingSteps, autoattack: false }))
    .requiredOption('--dataset <id>', 'dataset to train on')
    .option('--base-model <id>', 'fine-tune this stored model instead of starting from scratch')
    .option('--eval-images <n>', 'validation images attacked each epoch (default 256)', int('--eval-images', 1, 10000))
    .option('--eval-steps <n>', 'PGD steps of the per-epoch robust evaluation (default 20)', int('--eval-steps', 1, 1000))
    .action((opts) => advTrain(ctx, opts));

  autoAttackOptions(timeoutOption(outputOptions(command('evaluate', 'evaluate a model: accuracy, per class, confusion matrix, robust accuracy').argument('<model>', 'model id')), 0))
    .option('--dataset <id>', "dataset (default: the model's)")
    .option('--split <split>', 'train, validation or test (default: test when present, else validation)', arg(parseSplit))
    .option('--max-images <n>', 'evaluate a seeded subset of this many images', int('--max-images', 1))
    .option('--seed <n>', 'seed of the subset', int('--seed', 0))
    .option('--attack <method>', `also attack with ${ATTACK_METHODS_TEXT} (repeatable)`, repeatable((t) => parseMethod(t, '--attack')))
    .option('--eps <list>', 'budgets for the attacks, e.g. 8/255 or 2/255,8/255 (default 8/255)', arg((t) => parseEpsList(t, '--eps')))
    .option('--step <size>', 'PGD step size, pixel scale (default 0.002)', arg((t) => parseEpsList(t, '--step')[0]))
    .option('--steps <n>', 'PGD iterations (default 20; APGD 100)', int('--steps', 1, 1000))
    .option('--restarts <n>', 'PGD random restarts (default 1)', int('--restarts', 1, 100))
    .action((id, opts) => evaluate(ctx, id, opts));

  timeoutOption(attackOptions(outputOptions(command('attack', 'attack a model: robust accuracy, eps curve, gallery').argument('<model>', 'model id'))), 0)
    .option('--dataset <id>', "dataset (default: the model's)")
    .option('--split <split>', 'train, validation or test', arg(parseSplit))
    .option('--max-images <n>', 'attack a seeded subset of this many images', int('--max-images', 1))
    .option('--seed <n>', 'seed of the subset and the gallery', int('--seed', 0))
    .option('--gallery <n>', 'clean/adversarial pairs in the gallery, 0-100 (default 20)', int('--gallery', 0, 100))
    .option('--amplification <x>', 'perturbation amplification in the gallery, 1-100 (default 10)', real('--amplification', 1, 100))
    .option('--out <file.png>', 'write the gallery contact sheet PNG here')
    .option('--gallery-dir <dir>', 'write each gallery image (clean, adversarial, perturbation) here')
    .option('--curve <list>', 'robustness curve over these epsilons, e.g. 0,2/255,4/255,8/255', arg((t) => parseEpsList(t, '--curve')))
    .action((id, opts) => attack(ctx, id, opts));

  runFlags(attackOptions(modelTrainingOptions(outputOptions(command('sweep', 'train a grid of configurations and rank them'), { stream: true })), { method: false }))
    .requiredOption('--dataset <id>', 'dataset to train on')
    .option('--axis <path=values>', 'an axis of the grid, e.g. model.use_skip=true,false or model.feature_maps=[32,64]|[16,32,64] (repeatable)', repeatable(parseAxis))
    .option('--rank-by <what>', 'val, robust (PGD, or the attack the flags describe) or autoattack (AutoAttack, --version fast unless given) (default val)', arg(parseRankBy))
    .option('--robust-images <n>', 'validation images attacked per trial when ranking by robustness (default 256)', int('--robust-images', 1, 10000))
    .action((opts) => sweep(ctx, opts));

  runFlags(outputOptions(command('study', "the notebook's whole study as one run: tuning, Mixup / CutMix / OVA, PGD-20, adversarial training, submission"), { stream: true }))
    .requiredOption('--dataset <id>', 'dataset to study')
    .option('--preset <name>', 'quick (a tiny grid, 1 epoch: minutes) or notebook (its grid, 10 epochs; default)', arg(parsePreset))
    .option('--axis <path=values>', "an axis of the tuning grid instead of the preset's, e.g. model.use_skip=true,false (repeatable)", repeatable(parseAxis))
    .option('--epochs <n>', "epochs of every standard training (default: the preset's)", int('--epochs', STUDY_FIELDS.epochs.min, STUDY_FIELDS.epochs.max))
    .option('--adv-epochs <n>', "epochs of the adversarial training (default: the preset's)", int('--adv-epochs', STUDY_FIELDS.adversarialEpochs.min, STUDY_FIELDS.adversarialEpochs.max))
    .option('--attack-images <n>', "test images attacked, 0 = all (default: the preset's)", int('--attack-images', STUDY_FIELDS.attackImages.min, STUDY_FIELDS.attackImages.max))
    .option('--test-folder <dir>', "a flat folder of images to predict into the submission (read by the service, inside its import roots)")
    .option('--report <file.html>', 'write the HTML report here at the end')
    .option('--csv <file.csv>', 'write the submission CSV here at the end')
    .action((opts) => study(ctx, opts));

  timeoutOption(outputOptions(command('report', "write a study's report as one self-contained HTML file").argument('<study>', 'study run id')), DEFAULT_DEADLINE_S)
    .requiredOption('--out <file.html>', 'where to write the report')
    .option('--csv <file.csv>', 'also write the submission CSV here')
    .action((id, opts) => report(ctx, id, opts));

  outputOptions(command('predict', 'predict every image of a folder').argument('<model>', 'model id').argument('<folder>', 'flat folder of images'))
    .option('--out <file.csv>', 'write a submission CSV (id,label)')
    .option('--top-k <k>', 'also report the k most probable classes', int('--top-k', 1))
    .option('--server-folder', "let the service read the folder itself (it must be on the service's machine) instead of uploading it")
    .action((id, folder, opts) => predict(ctx, id, folder, opts));

  timeoutOption(outputOptions(command('runs', 'list runs, newest first')), DEFAULT_DEADLINE_S)
    .option('--status <status>', 'queued, running, succeeded, failed, cancelled or interrupted', arg(parseStatus))
    .option('--kind <kind>', 'train, adversarial-train, sweep or study', arg(parseKind))
    .option('--dataset <id>', 'only runs on this dataset')
    .option('--trials', 'include sweep trials')
    .option('--limit <n>', 'show at most this many (default 20)', int('--limit', 1), 20)
    .option('--all', 'show every run')
    .action((opts) => runs(ctx, opts));

  timeoutOption(outputOptions(command('run', "show a run and its per-epoch history").argument('<id>', 'run id')), DEFAULT_DEADLINE_S).action((id, opts) => run(ctx, id, opts));
  timeoutOption(outputOptions(command('cancel', 'cancel a queued or running run').argument('<id>', 'run id')), DEFAULT_DEADLINE_S).action((id, opts) => cancel(ctx, id, opts));
  outputOptions(command('watch', 'replay a run and follow it until it ends').argument('<run-id>', 'run id'), { stream: true }).action((id, opts) => watch(ctx, id, opts));

  timeoutOption(outputOptions(command('models', 'list stored models, newest first')), DEFAULT_DEADLINE_S)
    .option('--dataset <id>', 'only models trained on this dataset')
    .option('--limit <n>', 'show at most this many (default 20)', int('--limit', 1), 20)
    .option('--all', 'show every model')
    .action((opts) => models(ctx, opts));
  timeoutOption(outputOptions(command('model', 'show a stored model').argument('<id>', 'model id')), DEFAULT_DEADLINE_S).action((id, opts) => model(ctx, id, opts));
  timeoutOption(outputOptions(command('delete-model', 'delete a stored model and its checkpoint').argument('<id>', 'model id')), DEFAULT_DEADLINE_S).action((id, opts) =>
    deleteModel(ctx, id, opts),
  );

  timeoutOption(outputOptions(command('datasets', 'list the bundled and imported datasets')), DEFAULT_DEADLINE_S).action((opts) => datasets(ctx, opts));
  timeoutOption(outputOptions(command('info', "what the services run on: tensor backend (and, on wasm, how to get the native one), version, memory, load, incidents")), DEFAULT_DEADLINE_S).action((opts) => info(ctx, opts));
  timeoutOption(outputOptions(command('workers', 'the trainer processes sharing the registry: role, state, backend, runs, last heartbeat')), DEFAULT_DEADLINE_S)
    .option('--all', 'also list the workers that stopped or were lost in the last hour')
    .action((opts) => workers(ctx, opts));
  outputOptions(
    command('import', "import an ImageFolder (one sub-folder per class; read by the service, so on the service's machine)")
      .argument('<name>', 'dataset name ([A-Za-z0-9._-], at most 64 characters)')
      .argument('<folder>', 'the ImageFolder'),
  )
    .option('--size <px>', 'side of the stored square images, 8-512 (default 64)', int('--size', 8, 512))
    .option('--test <folder>', 'a labelled test ImageFolder with the same classes')
    .addOption(new Option('--max-pixels <n>', 'refuse images with more pixels than this').argParser(int('--max-pixels', 1)).hideHelp())
    .action((name, folder, opts) => importDataset(ctx, name, folder, opts));

  return program;
}

/** Counts what goes to a writer, so an error can tell whether a JSON document is already out. */
function tracked(writer: Writer): Writer & { used: boolean } {
  const t = {
    used: false,
    isTTY: writer.isTTY,
    columns: writer.columns,
    write(chunk: string) {
      t.used ||= chunk.length > 0;
      return writer.write(chunk);
    },
  };
  return t;
}

/**
 * Runs the advlab command line `argv` (without node and the script) in `ctx`
 * and returns its exit code; errors become a readable `error: ...` line on
 * stderr (and a JSON error document on stdout with --json).
 */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const stdout = tracked(ctx.stdout);
  const context = { ...ctx, stdout };
  let machine = false;
  const program = createProgram(context);
  program.hook('preAction', (_program, action) => {
    const opts = action.opts();
    machine = !!(opts.json || opts.jsonLines);
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const report = reportError(err, { name: 'trainer service', address: ctx.clients.endpoints.trainer });
    if (report.message) ctx.stderr.write(`error: ${report.message}\n`);
    if (report.hint) ctx.stderr.write(`hint: ${report.hint}\n`);
    if (machine && !stdout.used && report.message) {
      stdout.write(`${JSON.stringify({ error: { code: report.code, message: report.message, exitCode: report.exitCode } }, null, 2)}\n`);
    }
    return report.exitCode;
  } finally {
    ctx.clients.close();
  }
}

/**
 * grpc-js names the server by its address for TLS, so connecting to `127.0.0.1` with TLS makes
 * Node warn (DEP0123) that an IP address is not a TLS server name; the certificate is still
 * checked against the address. The warning says nothing a user can act on: it is not printed.
 */
function quietIpServerNameWarning(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === 'DEP0123') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** The `advlab` executable: process arguments, streams and exit code. */
export function runFromProcess(): void {
  quietIpServerNameWarning();
  main(process.argv.slice(2), processContext()).then((code) => {
    process.exitCode = code;
    // Whatever still holds the event loop (a closing channel) gets a moment, not forever.
    setTimeout(() => process.exit(code), 2000).unref();
  });
}
