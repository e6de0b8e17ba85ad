'use strict';

/**
 * Serverless Framework v3 plugin (osls 4.x) that expands Sluice's concise
 * declaration in `serverless.yml` into AWS resources: task queues and their
 * DLQs, the DynamoDB task, key-value and events tables, one least-privilege
 * role per function, the platform API function, the event dispatcher (for
 * `dataEvent` subscriptions) and the SLUICE_* environment variables.
 *
 * CommonJS because the framework `require`s plugins; the logic lives in
 * TypeScript modules shared with the embedded runtime, loaded through tsx.
 *
 * Usage (serverless.yml):
 *   plugins:
 *     - ./lib/serverless/sluicePlugin.cjs
 *     - serverless-esbuild
 */
const { require: tsxRequire } = require('tsx/cjs/api');

const { applySluiceToService, sluiceConfigSchemas } = tsxRequire('./applySluiceToService.ts', __filename);
const { pruneDefaultRoleQueues } = tsxRequire('./pruneDefaultRole.ts', __filename);
const { applyStageThrottling } = tsxRequire('./stageThrottling.ts', __filename);
const { parseSluiceSettings } = tsxRequire('../config/sluiceSettings.ts', __filename);
const { sluiceErrorKind } = tsxRequire('../core/errors.ts', __filename);
const { acceptsAsyncSubmissions } = tsxRequire('./buildAwsAdditions.ts', __filename);
const { writeDeploymentCatalog } = tsxRequire('../aws/config/deploymentCatalog.ts', __filename);
const { withAgentExclusions } = tsxRequire('./bundleExclusions.ts', __filename);

class SluicePlugin {
  /**
   * @param {any} serverless the framework instance
   * @param {Record<string, unknown>} options CLI options
   * @param {{ log?: { warning(message: string): void; notice(message: string): void } }} [utils]
   */
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options;
    this.log = (utils && utils.log) || { warning: (message) => console.warn(message), notice: () => {} };
    this.applied = false;

    const schemas = sluiceConfigSchemas();
    serverless.configSchemaHandler.defineFunctionProperties('aws', {
      properties: { sluice: schemas.functionSluice },
    });
    // `overlap` is Sluice's own schedule key (what a firing does while the previous task runs).
    for (const event of ['schedule', 'eventBridge']) {
      serverless.configSchemaHandler.defineFunctionEventProperties('aws', event, {
        properties: { overlap: { enum: ['skip', 'buffer_one', 'allow'] } },
      });
    }
    serverless.configSchemaHandler.defineCustomProperties({
      properties: { sluice: schemas.customSluice },
    });
    // `- dataEvent: { label, source?, target? }`: Sluice's own trigger, served by the event dispatcher.
    serverless.configSchemaHandler.defineFunctionEvent('aws', 'dataEvent', schemas.dataEvent);

    this.hooks = {
      // `initialize` runs after variables are resolved and the configuration
      // is validated, and before any command's lifecycle: the functions,
      // events and resources added here are seen by every later step
      // (serverless-esbuild's bundling, package:compileFunctions,
      // package:compileEvents, deploy function, offline...).
      initialize: () => this.apply(),
      // The framework grants its shared default role every sqs event's queue;
      // take back the Sluice processes' queues (they have their own roles).
      // And throttle the HTTP API's stage (custom.sluice.throttle), which the framework cannot.
      'after:package:compileEvents': () => {
        this.pruneDefaultRole();
        this.throttleStage();
      },
      // Before serverless-esbuild (listed after this plugin) bundles: the
      // platform function's bundle carries the processes' input JSON Schemas.
      'before:package:createDeploymentArtifacts': () => this.writeInputSchemas(),
      'before:deploy:function:packageFunction': () => this.writeInputSchemas(),
    };
  }

  apply() {
    if (this.applied || !this.serverless.serviceDir) return;
    const provider = this.serverless.getProvider('aws');
    if (!provider) return;
    try {
      const { warnings, manifest } = applySluiceToService(this.serverless.service, {
        serviceDir: this.serverless.serviceDir,
        stage: provider.getStage(),
        region: provider.getRegion(),
      });
      for (const warning of warnings) this.log.warning(`Sluice: ${warning}`);
      // Bundled with every function (package.patterns): processes, connections (secret references only), grants.
      // With the deployed names of functions named in serverless.yml (runtime schedules and queue triggers target them).
      const functions = this.serverless.service.functions || {};
      const functionNames = Object.fromEntries(manifest.processes.filter((p) => functions[p.name] && typeof functions[p.name].name === 'string').map((p) => [p.name, functions[p.name].name]));
      writeDeploymentCatalog(this.serverless.serviceDir, { ...manifest, functionNames });
      // serverless-esbuild (listed after this plugin) reads custom.esbuild later: leave out the drivers of agents this service does not use.
      const esbuild = withAgentExclusions(this.serverless.service.custom && this.serverless.service.custom.esbuild, this.serverless.service.plugins, manifest.connections);
      if (esbuild) this.serverless.service.custom = { ...this.serverless.service.custom, esbuild };
      this.manifest = manifest;
      this.applied = true;
    } catch (error) {
      throw this.configError(error);
    }
  }

  /**
   * Loads the processes (their code, unlike `apply`) and writes their input
   * JSON Schemas for the platform function (see `writeInputSchemas.ts`), in
   * a child Node process with tsx's ESM loader (see `writeInputSchemasCli.ts`).
   */
  async writeInputSchemas() {
    // Nothing to write (and no process code to load) when no process takes async submissions.
    if (!this.applied || !acceptsAsyncSubmissions(this.manifest)) return;
    const { execFile } = require('node:child_process');
    const { pathToFileURL } = require('node:url');
    const path = require('node:path');
    const args = ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(__dirname, 'writeInputSchemasCli.ts'), this.serverless.serviceDir];
    const { stdout } = await new Promise((resolve, reject) => {
      const child = execFile(process.execPath, args, { cwd: this.serverless.serviceDir, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) => {
        if (!error) return resolve({ stdout: out });
        const message = `Sluice: cannot write the input schemas of the processes: ${String(err).trim() || error.message}`;
        reject(new this.serverless.classes.Error(message, 'SLUICE_CONFIG_ERROR'));
      });
      child.stdin.end(JSON.stringify(this.manifest));
    });
    for (const warning of JSON.parse(stdout).warnings) this.log.warning(`Sluice: ${warning}`);
  }

  /** A Sluice ConfigError as the framework's own error (a clean message, no stack); anything else as is. */
  configError(error) {
    // By brand, not by name: any error can be named 'ConfigError'.
    if (sluiceErrorKind(error) === 'ConfigError') return new this.serverless.classes.Error(`Sluice: ${error.message}`, 'SLUICE_CONFIG_ERROR');
    return error;
  }

  throttleStage() {
    if (!this.applied) return;
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    try {
      const { throttle } = parseSluiceSettings(this.serverless.service.custom && this.serverless.service.custom.sluice);
      applyStageThrottling(template.Resources, throttle);
    } catch (error) {
      throw this.configError(error);
    }
  }

  pruneDefaultRole() {
    if (!this.applied) return;
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    pruneDefaultRoleQueues(template.Resources, this.serverless.service.functions);
  }
}

module.exports = SluicePlugin;
