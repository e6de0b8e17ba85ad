'use strict';

/**
 * Serverless Framework v3 plugin (osls 4.x) that expands Sluice's concise
 * declaration in `serverless.yml` into AWS resources: task queues and their
 * DLQs, the DynamoDB task table, one least-privilege role per function, the
 * platform API function and the SLUICE_* environment variables.
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
const { sluiceErrorKind } = tsxRequire('../core/errors.ts', __filename);

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
    serverless.configSchemaHandler.defineCustomProperties({
      properties: { sluice: schemas.customSluice },
    });

    this.hooks = {
      // `initialize` runs after variables are resolved and the configuration
      // is validated, and before any command's lifecycle: the functions,
      // events and resources added here are seen by every later step
      // (serverless-esbuild's bundling, package:compileFunctions,
      // package:compileEvents, deploy function, offline...).
      initialize: () => this.apply(),
      // The framework grants its shared default role every sqs event's queue;
      // take back the Sluice processes' queues (they have their own roles).
      'after:package:compileEvents': () => this.pruneDefaultRole(),
    };
  }

  apply() {
    if (this.applied || !this.serverless.serviceDir) return;
    const provider = this.serverless.getProvider('aws');
    if (!provider) return;
    try {
      const { warnings } = applySluiceToService(this.serverless.service, {
        serviceDir: this.serverless.serviceDir,
        stage: provider.getStage(),
        region: provider.getRegion(),
      });
      for (const warning of warnings) this.log.warning(`Sluice: ${warning}`);
      this.applied = true;
    } catch (error) {
      // By brand, not by name: any error can be named 'ConfigError'.
      if (sluiceErrorKind(error) === 'ConfigError') {
        throw new this.serverless.classes.Error(`Sluice: ${error.message}`, 'SLUICE_CONFIG_ERROR');
      }
      throw error;
    }
  }

  pruneDefaultRole() {
    if (!this.applied) return;
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    pruneDefaultRoleQueues(template.Resources, this.serverless.service.functions);
  }
}

module.exports = SluicePlugin;
