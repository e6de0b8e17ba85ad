import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliOptions } from '../../../lib/embedded/parseCliOptions.js';

const CWD = '/srv/app';
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCliOptions(argv, env, CWD);

function usageError(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parse(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return (error as Error).message;
  }
  throw new Error('expected a CliUsageError');
}

describe('parseCliOptions: every flag and environment variable changes what it says', () => {
  it('defaults', () => {
    expect(parse([])).toEqual({
      help: false,
      configPath: '/srv/app/serverless.yml',
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/app/.sluice',
      durability: 'normal',
    });
  });

  it.each([
    [['--config', 'svc/sls.yml'], {}, { configPath: '/srv/app/svc/sls.yml' }],
    [['--config', '/etc/sls.yml'], {}, { configPath: '/etc/sls.yml' }],
    [['--port', '8080'], {}, { port: 8080 }],
    [['--port', '0'], {}, { port: 0 }],
    [[], { PORT: '9090' }, { port: 9090 }],
    [['--port', '8080'], { PORT: '9090' }, { port: 8080 }],
    [['--host', '0.0.0.0'], {}, { host: '0.0.0.0' }],
    [[], { HOST: '::1' }, { host: '::1' }],
    [['--host', '0.0.0.0'], { HOST: '::1' }, { host: '0.0.0.0' }],
    [['--data-dir', 'state'], {}, { dataDir: '/srv/app/state' }],
    [[], { SLUICE_DATA_DIR: '/var/lib/sluice' }, { dataDir: '/var/lib/sluice' }],
    [['--data-dir', 'state'], { SLUICE_DATA_DIR: '/var/lib/sluice' }, { dataDir: '/srv/app/state' }],
    [['--stage', 'qa'], {}, { stage: 'qa' }],
    [[], { SLUICE_STAGE: 'prod' }, { stage: 'prod' }],
    [['--stage', 'qa'], { SLUICE_STAGE: 'prod' }, { stage: 'qa' }],
    [['--durability', 'full'], {}, { durability: 'full' }],
    [['--durability', 'normal'], {}, { durability: 'normal' }],
    [['--help'], {}, { help: true }],
    [['-h'], {}, { help: true }],
    [['--port=8081', '--stage=qa'], {}, { port: 8081, stage: 'qa' }],
    // An empty variable is unset, not a value.
    [[], { HOST: '', SLUICE_DATA_DIR: '', SLUICE_STAGE: '' }, { host: '127.0.0.1', dataDir: '/srv/app/.sluice' }],
  ] as const)('%j with env %j -> %j', (argv, env, expected) => {
    const options = parse([...argv], env);
    expect(options).toMatchObject(expected);
    if (!('stage' in expected)) expect(options.stage).toBeUndefined();
  });
});

describe('parseCliOptions: a command line it cannot use is a clear error', () => {
  it.each([
    [['--prot', '80'], "unknown option '--prot' (did you mean '--port'?)"],
    [['--datadir', 'x'], "unknown option '--datadir' (did you mean '--data-dir'?)"],
    [['--durabilty', 'full'], "unknown option '--durabilty' (did you mean '--durability'?)"],
    [['--verbose'], "unknown option '--verbose'"],
    [['-p', '80'], "unknown option '-p'"],
    [['serverless.yml'], 'sluice takes only options'],
    [['--port'], "'--port <value>' argument missing"],
    [['--port', 'eighty'], "invalid port 'eighty' (from --port): expected a whole number from 0 to 65535"],
    [['--port', '70000'], "invalid port '70000' (from --port)"],
    [['--port', '-1'], "'--port'"],
    [['--port', '0x50'], "invalid port '0x50'"],
    [['--port', '8080.5'], "invalid port '8080.5'"],
    [['--port', ''], "invalid port ''"],
    [['--durability', 'fast'], "--durability must be 'normal' or 'full', got 'fast'"],
    [['--data-dir', ''], '--data-dir needs a value'],
    [['--help', 'now'], 'sluice takes only options'],
  ])('%j -> %s', (argv, fragment) => {
    expect(usageError(argv)).toContain(fragment);
  });

  it.each([
    [{ PORT: 'http' }, "invalid port 'http' (from PORT)"],
    [{ PORT: '' }, "invalid port '' (from PORT)"],
    [{ PORT: ' 80' }, "invalid port ' 80' (from PORT)"],
  ])('env %j -> %s', (env, fragment) => {
    expect(usageError([], env)).toContain(fragment);
  });
});
