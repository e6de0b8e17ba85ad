import { describe, expect, it } from 'vitest';
import { parseSluiceSettings } from '../../../lib/config/sluiceSettings.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { applyStageThrottling } from '../../../lib/serverless/stageThrottling.js';

const template = () => ({
  HttpApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: {} },
  HttpApiStage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'HttpApi' }, StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { DetailedMetricsEnabled: false } } },
  HttpApiRoutePostOrders: { Type: 'AWS::ApiGatewayV2::Route', Properties: { RouteKey: 'POST /orders' } },
  HttpApiRouteGetSluiceTasks: { Type: 'AWS::ApiGatewayV2::Route', Properties: { RouteKey: 'GET /sluice/tasks' } },
});

describe('HTTP API stage throttling (issue 7, item 1)', () => {
  it('throttles the stage by default (500 req/s, bursts of 1,000), keeping the framework\'s other route settings', () => {
    const resources = template();
    applyStageThrottling(resources, parseSluiceSettings(undefined).throttle);
    expect(resources.HttpApiStage.Properties.DefaultRouteSettings).toEqual({ DetailedMetricsEnabled: false, ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
    expect(resources.HttpApiStage.Properties).not.toHaveProperty('RouteSettings');
  });

  it('takes custom.sluice.throttle, per route too, and refuses a route the service does not have', () => {
    const resources = template();
    const { throttle } = parseSluiceSettings({ throttle: { rateLimit: 50, burstLimit: 20, routes: { 'POST /orders': { rateLimit: 5 } } } });
    applyStageThrottling(resources, throttle);
    expect(resources.HttpApiStage.Properties).toMatchObject({ DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 }, RouteSettings: { 'POST /orders': { ThrottlingRateLimit: 5 } } });
    expect(() => applyStageThrottling(template(), parseSluiceSettings({ throttle: { routes: { 'POST /order': { rateLimit: 5 } } } }).throttle)).toThrow(/custom.sluice.throttle.routes.POST \/order: no route 'POST \/order'/);
    expect(() => parseSluiceSettings({ throttle: { rate: 5 } })).toThrow(ConfigError);
    expect(() => parseSluiceSettings({ throttle: { rateLimit: -1 } })).toThrow(ConfigError);
  });

  it('does nothing without an HTTP API', () => {
    const resources: Record<string, unknown> = { Queue: { Type: 'AWS::SQS::Queue' } };
    applyStageThrottling(resources, parseSluiceSettings(undefined).throttle);
    expect(resources).toEqual({ Queue: { Type: 'AWS::SQS::Queue' } });
  });
});
