/**
 * Streaming ETL fed by a queue: each message is one flight, as the source
 * data set writes it, merged into the warehouse as it arrives.
 *
 *   {"date":"2001/01/05 06:55","delay":12,"distance":1750,"origin":"DTW","destination":"LAS"}
 *
 *   (input)   -> the message, validated by the input schema: a malformed one
 *                fails at once, without retries, into the dead-letter queue
 *   transform -> the warehouse row (the same transform as the batch load, so
 *                a flight has the same `flight_id` on both paths)
 *   load      -> merged into `flights` on `flight_id`: a message delivered
 *                twice, or a flight the batch also lands, stays one row
 *
 * Feed it locally:  POST /sluice/queues/sluice-examples-dev-flight-feed/messages
 */
import { defineProcess, type Aggregator, type Logic } from '../lib/index.js';
import { flightRecordSchema, toFlightRow, type FlightRecord, type FlightRow } from './shared/flights.js';
import { ensureWarehouse } from './shared/warehouse.js';

const transform: Logic<FlightRecord> = {
  name: 'transform',
  run(ctx) {
    ctx.session.set('row', toFlightRow(ctx.input, 'stream'));
  },
};

const load: Aggregator<FlightRecord, { flightId: string; loaded: number }> = {
  name: 'load',
  async run(ctx) {
    const row = ctx.session.get<FlightRow>('row')!;
    const warehouse = ctx.db('warehouse');
    await ensureWarehouse(warehouse);
    const { rowCount } = await warehouse.load('flights', [row], { mode: 'merge', key: 'flight_id' });
    return { flightId: row.flight_id, loaded: rowCount };
  },
};

const flightEvents = defineProcess({
  name: 'flight-events',
  description: 'Streaming ETL: flight messages merged into the warehouse as they arrive',
  input: flightRecordSchema,
  logics: [transform],
  aggregator: load,
});

export const handler = flightEvents.handler;
