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
    [['--dashboard-port', '4000'], {}, { dashboardPort: 4000 }],
    [['--dashboard-port', '0'], {}, { dashboardPort: 0 }],
    [['--dashboard-port', 'off'], {}, { dashboardPort: 'off' }],
    [[], { SLUICE_DASHBOARD_PORT: '4001' }, { dashboardPort: 4001 }],
    [[], { SLUICE_DASHBOARD_PORT: 'off' }, { dashboardPort: 'off' }],
    [['--dashboard-port', '4000'], { SLUICE_DASHBOARD_PORT: 'off' }, { dashboardPort: 4000 }],
    // Both any free port: two different ones.
    [['--port', '0', '--dashboard-port', '0'], {}, { port: 0, dashboardPort: 0 }],
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
    [[], { HOST: '', SLUICE_DATA_DIR: '', SLUICE_STAGE: '', SLUICE_DASHBOARD_PORT: '' }, { host: '127.0.0.1', dataDir: '/srv/app/.sluice' }],
  ] as const)('%j with env %j -> %j', (argv, env, expected) => {
    const options = parse([...argv], env);
    expect(options).toMatchObject(expected);
    if (!('stage' in expected)) expect(options.stage).toBeUndefined();
    // Absent: the runtime's default (the main port + 1, or any free one).
    if (!('dashboardPort' in expected)) expect(options.dashboardPort).toBeUndefined();
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
    [['--dashbord-port', '1'], "unknown option '--dashbord-port' (did you mean '--dashboard-port'?)"],
    [['--dashboard-port', 'of'], "invalid port 'of' (from --dashboard-port): expected a whole number from 0 to 65535, or off"],
    [['--dashboard-port', '65536'], "invalid port '65536' (from --dashboard-port)"],
    [['--dashboard-port', ''], "invalid port '' (from --dashboard-port)"],
    [['--dashboard-port', 'OFF'], "invalid port 'OFF'"],
    [['--port', '8080', '--dashboard-port', '8080'], 'the dashboard needs a port of its own: --dashboard-port 8080 is the main port'],
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
    [{ SLUICE_DASHBOARD_PORT: 'no' }, "invalid port 'no' (from SLUICE_DASHBOARD_PORT): expected a whole number from 0 to 65535, or off"],
    [{ PORT: '4000', SLUICE_DASHBOARD_PORT: '4000' }, 'the dashboard needs a port of its own'],
  ])('env %j -> %s', (env, fragment) => {
    expect(usageError([], env)).toContain(fragment);
  });
});
