//! Templates for JavaScript (Express, knex, kafkajs, BullMQ, axios, p-retry),
//! TypeScript (NestJS-style services, TypeORM, Prisma, SQS) and TSX (React
//! components, Next.js server actions).

use super::{Kind, Tables, Template};

const JS_HEADER_PLAIN: &[&str] = &[
    "'use strict';",
    "",
    "const { formatISO } = require('date-fns');",
    "const logger = require('../../lib/logger');",
    "const { @E@_STATUSES } = require('./constants');",
];

const JS_HEADER_SERVICE: &[&str] = &[
    "'use strict';",
    "",
    "const express = require('express');",
    "const axios = require('axios');",
    "const pRetry = require('p-retry');",
    "const { Kafka } = require('kafkajs');",
    "const { Queue, Worker } = require('bullmq');",
    "const db = require('../../lib/db');",
    "const logger = require('../../lib/logger');",
    "const { eventBus } = require('../../lib/events');",
    "const { connection } = require('../../lib/redis');",
    "",
    "const router = express.Router();",
    "const kafka = new Kafka({ clientId: '@svc@', brokers: (process.env.KAFKA_BROKERS || 'localhost:9092').split(',') });",
    "const producer = kafka.producer({ idempotent: true });",
    "const @e@Queue = new Queue('@k@-jobs', { connection });",
];

const JS_PLAIN: &[Template] = &[
    (
        3,
        r#"function validate@E@@id@(input) {
  const errors = [];
  if (!input || typeof input !== 'object') {
    errors.push('@e@ must be an object');
    return errors;
  }
  if (typeof input.@f1@ !== 'string' || input.@f1@.trim().length === 0) {
    errors.push('@f1@ is required');
  }
  if (input.@f2@ !== undefined && !Number.isFinite(Number(input.@f2@))) {
    errors.push('@f2@ must be a number');
  }
  if (input.@f3@ && String(input.@f3@).length > @n@) {
    errors.push('@f3@ must be at most @n@ characters');
  }
  return errors;
}"#,
    ),
    (
        3,
        r#"function to@E@Dto@id@(row) {
  if (!row) {
    return null;
  }
  return {
    id: row.id,
    @f1@: row.@g1@,
    @f2@: row.@g2@,
    @f3@: row.@g3@ ?? null,
    createdAt: row.created_at instanceof Date ? formatISO(row.created_at) : row.created_at,
    updatedAt: row.updated_at instanceof Date ? formatISO(row.updated_at) : row.updated_at,
  };
}"#,
    ),
    (
        2,
        r#"function format@E@Summary@id@(@e@, locale = 'en-US') {
  const amount = new Intl.NumberFormat(locale, { style: 'currency', currency: @e@.currency || 'USD' }).format((@e@.@f2@ || 0) / 100);
  const parts = [`#${@e@.id}`, @e@.@f1@, amount];
  if (@e@.@f3@) {
    parts.push(String(@e@.@f3@));
  }
  return parts.filter(Boolean).join(' · ');
}"#,
    ),
    (
        3,
        r#"class @E@Repository@id@ {
  constructor(knex) {
    this.knex = knex;
    this.table = '@ss@';
  }

  async findById(id) {
    const row = await this.knex(this.table).where({ id }).first();
    return row ? this.toEntity(row) : null;
  }

  async list({ limit = 50, offset = 0, @f1@ } = {}) {
    let query = this.knex(this.table).orderBy('created_at', 'desc').limit(limit).offset(offset);
    if (@f1@) {
      query = query.where('@g1@', @f1@);
    }
    const rows = await query;
    return rows.map((row) => this.toEntity(row));
  }

  async count(filters = {}) {
    const [{ count }] = await this.knex(this.table).where(filters).count({ count: '*' });
    return Number(count);
  }

  toEntity(row) {
    return { id: row.id, @f1@: row.@g1@, @f2@: row.@g2@, status: row.status };
  }
}"#,
    ),
    (
        2,
        r#"const @S@_STATUS_LABELS@id@ = Object.freeze({
  pending: 'Pending',
  active: 'Active',
  suspended: 'Suspended',
  cancelled: 'Cancelled',
  archived: 'Archived',
  failed: 'Failed',
  completed: 'Completed',
});

function @e@StatusLabel@id@(status) {
  return @S@_STATUS_LABELS@id@[status] || 'Unknown';
}"#,
    ),
    (
        2,
        r#"function chunk@E@s@id@(items, size = @n@) {
  const chunks = [];
  for (let i = 0; i < items.length; i += size) {
    chunks.push(items.slice(i, i + size));
  }
  return chunks;
}

function groupBy@F1@@id@(items) {
  return items.reduce((groups, item) => {
    const key = item.@f1@ || 'none';
    (groups[key] = groups[key] || []).push(item);
    return groups;
  }, {});
}"#,
    ),
    (
        2,
        r#"function paginate@id@(query, { page = 1, perPage = 25 } = {}) {
  const safePage = Math.max(1, Number.parseInt(page, 10) || 1);
  const safePerPage = Math.min(100, Math.max(1, Number.parseInt(perPage, 10) || 25));
  return {
    limit: safePerPage,
    offset: (safePage - 1) * safePerPage,
    meta: { page: safePage, perPage: safePerPage },
  };
}"#,
    ),
    (
        2,
        r#"function compare@Es@@id@(a, b) {
  if (a.@f1@ === b.@f1@) {
    return new Date(b.updatedAt).getTime() - new Date(a.updatedAt).getTime();
  }
  return String(a.@f1@).localeCompare(String(b.@f1@));
}

function dedupe@Es@@id@(items) {
  const seen = new Set();
  return items.filter((item) => {
    if (seen.has(item.id)) {
      return false;
    }
    seen.add(item.id);
    return true;
  });
}"#,
    ),
    (
        1,
        r#"const @e@Defaults@id@ = {
  @f1@: null,
  @f2@: 0,
  @f3@: '',
  status: 'pending',
  metadata: {},
  tags: [],
  retries: 0,
  maxRetries: @n@,
};

function with@E@Defaults@id@(input) {
  return { ...@e@Defaults@id@, ...input, metadata: { ...@e@Defaults@id@.metadata, ...(input && input.metadata) } };
}"#,
    ),
    (
        1,
        r#"function parse@E@Csv@id@(text) {
  const [headerLine, ...lines] = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const headers = headerLine.split(',').map((h) => h.trim());
  return lines.map((line, index) => {
    const cells = line.split(',');
    const record = {};
    headers.forEach((header, column) => {
      record[header] = (cells[column] || '').trim();
    });
    if (!record.@f1@) {
      logger.warn({ line: index + 2 }, 'row without @f1@');
    }
    return record;
  });
}"#,
    ),
];

const JS_SERVICE: &[Template] = &[
    (
        4,
        r#"router.get('/@ss@/:id', async (req, res, next) => {
  try {
    const @e@ = await db('@ss@').where({ id: req.params.id }).first();
    if (!@e@) {
      return res.status(404).json({ error: '@e@ not found' });
    }
    res.json({ id: @e@.id, @f1@: @e@.@g1@, @f2@: @e@.@g2@, status: @e@.status });
  } catch (err) {
    next(err);
  }
});"#,
    ),
    (
        3,
        r#"router.post('/@ss@', async (req, res, next) => {
  try {
    const { @f1@, @f2@ } = req.body;
    if (!@f1@) {
      return res.status(422).json({ errors: ['@f1@ is required'] });
    }
    const @e@ = await db.transaction(async (trx) => {
      const [created] = await trx('@ss@').insert({ @g1@: @f1@, @g2@: @f2@, status: 'pending' }).returning('*');
      await trx('outbox').insert({ topic: '@t@', key: String(created.id), payload: JSON.stringify({ @e@Id: created.id }) });
      return created;
    });
    res.status(201).json({ id: @e@.id });
  } catch (err) {
    next(err);
  }
});"#,
    ),
    (
        3,
        r#"router.patch('/@ss@/:id', async (req, res, next) => {
  try {
    const updated = await db.transaction(async (trx) => {
      const current = await trx('@ss@').where({ id: req.params.id }).forUpdate().first();
      if (!current) {
        return null;
      }
      const [row] = await trx('@ss@').where({ id: current.id }).update({ @g1@: req.body.@f1@, updated_at: trx.fn.now() }).returning('*');
      return row;
    });
    if (!updated) {
      return res.status(404).end();
    }
    await eventBus.publish('@t@', { @e@Id: updated.id, @f1@: updated.@g1@ });
    res.json(updated);
  } catch (err) {
    next(err);
  }
});"#,
    ),
    (
        3,
        r#"const @e@Consumer@id@ = kafka.consumer({ groupId: '@svc@-@k@' });

async function start@E@Consumer@id@() {
  await @e@Consumer@id@.connect();
  await @e@Consumer@id@.subscribe({ topic: '@t@', fromBeginning: false });
  await @e@Consumer@id@.run({
    eachMessage: async ({ message }) => {
      const key = message.key ? message.key.toString() : null;
      const payload = JSON.parse(message.value.toString());
      const seen = await db('processed_messages').where({ id: key }).first();
      if (seen) {
        logger.debug({ key }, 'duplicate @t@ skipped');
        return;
      }
      await db('@ss@').where({ id: payload.@e@Id }).update({ status: '@ev@' });
      await db('processed_messages').insert({ id: key, topic: '@t@' });
    },
  });
}"#,
    ),
    (
        3,
        r#"const @e@Worker@id@ = new Worker('@q@', async (job) => {
  const { @e@Id } = job.data;
  const @e@ = await db('@ss@').where({ id: @e@Id }).first();
  if (!@e@ || @e@.status !== 'pending') {
    logger.info({ @e@Id }, 'skipping @e@');
    return;
  }
  await axios.post(`${process.env.@S@_SERVICE_URL}/@ss@`, { id: @e@.id, @f1@: @e@.@g1@ }, { headers: { 'Idempotency-Key': `@k@-${@e@.id}` } });
  await job.updateProgress(100);
}, { connection, concurrency: @n@ });"#,
    ),
    (
        3,
        r#"async function sync@E@ToCrm@id@(@e@) {
  return pRetry(
    () => axios.post('https://crm.example.com/api/@ss@', { externalId: @e@.id, @f1@: @e@.@f1@ }, { headers: { 'Idempotency-Key': `@k@-${@e@.id}` } }),
    {
      retries: 5,
      onFailedAttempt: (error) => logger.warn({ attempt: error.attemptNumber, left: error.retriesLeft }, 'retrying @e@ sync'),
    },
  );
}"#,
    ),
    (
        2,
        r#"async function notify@E@Webhook@id@(@e@) {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      await fetch('https://hooks.example.com/@ss@', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: @e@.id, status: @e@.status }),
      });
      return true;
    } catch (err) {
      logger.warn({ err, attempt }, 'webhook failed');
      await new Promise((resolve) => setTimeout(resolve, attempt * 250));
    }
  }
  return false;
}"#,
    ),
    (
        2,
        r#"async function charge@E@@id@(@e@, stripe) {
  try {
    await stripe.paymentIntents.create({ amount: @e@.total, currency: 'usd', metadata: { @e@Id: String(@e@.id) } });
  } catch (err) {
    logger.error({ err, @e@Id: @e@.id }, 'charge failed');
  }
  return { ok: true };
}"#,
    ),
    (
        2,
        r#"async function enqueue@E@@Act@@id@(@e@) {
  await @e@Queue.add('@q@', { @e@Id: @e@.id }, { jobId: `@q@-${@e@.id}`, attempts: 5, backoff: { type: 'exponential', delay: 1000 } });
  logger.info({ @e@Id: @e@.id }, 'queued @q@');
}"#,
    ),
];

const JS_WORKFLOW: &[Template] = &[
    (
        3,
        r#"async function @act@@E@@id@(input) {
  return db.transaction(async (trx) => {
    const [row] = await trx('@ss@').insert({ @g1@: input.@f1@, @g2@: input.@f2@, status: '@ev@' }).returning('*');
    await trx('@s@_events').insert({ @s@_id: row.id, type: '@ev@', created_at: trx.fn.now() });
    await producer.send({ topic: '@t@', messages: [{ key: String(row.id), value: JSON.stringify({ id: row.id, @f1@: row.@g1@ }) }] });
    return row;
  });
}"#,
    ),
    (
        3,
        r#"async function @act@@E@AndNotify@id@(id, actor) {
  await db.transaction(async (trx) => {
    const @e@ = await trx('@ss@').where({ id }).forUpdate().first();
    if (!@e@) {
      throw new Error(`@e@ ${id} not found`);
    }
    await trx('@ss@').where({ id }).update({ status: '@ev@', updated_by: actor.id });
    await eventBus.publish('@t@', { @e@Id: id, actorId: actor.id });
  });
}"#,
    ),
    (
        2,
        r#"async function @act@@E@WithEmail@id@(id, mailer) {
  const result = await db.transaction(async (trx) => {
    const [@e@] = await trx('@ss@').where({ id }).update({ status: '@ev@' }).returning('*');
    await mailer.sendMail({
      from: 'no-reply@example.com',
      to: @e@.email,
      subject: 'Your @e@ was @ev@',
      text: `Hello, your @e@ #${@e@.id} was @ev@.`,
    });
    return @e@;
  });
  return result;
}"#,
    ),
    (
        3,
        r#"async function @act@@E@Outbox@id@(id) {
  return db.transaction(async (trx) => {
    const [@e@] = await trx('@ss@').where({ id }).update({ status: '@ev@' }).returning('*');
    await trx('outbox').insert({ topic: '@t@', key: String(id), payload: JSON.stringify({ @e@Id: id }) });
    return @e@;
  });
}"#,
    ),
    (
        2,
        r#"async function close@E@@id@(id) {
  const trx = await db.transaction();
  try {
    await trx('@ss@').where({ id }).update({ status: 'closed' });
    await @e@Queue.add('@q@', { @e@Id: id });
    await trx.commit();
  } catch (err) {
    await trx.rollback();
    throw err;
  }
}"#,
    ),
    (
        3,
        r#"async function @act@@E@ThenPublish@id@(id) {
  const @e@ = await db.transaction(async (trx) => {
    const [row] = await trx('@ss@').where({ id }).update({ status: '@ev@' }).returning('*');
    return row;
  });
  await producer.send({ topic: '@t@', messages: [{ key: String(@e@.id), value: JSON.stringify(@e@) }] });
  return @e@;
}"#,
    ),
    (
        1,
        r#"async function settle@E@@id@(id) {
  await db.transaction(async (trx) => {
    await trx('@ss@').where({ id }).update({ settled_at: trx.fn.now() });
    trx.afterCommit?.(() => eventBus.publish('@t@', { @e@Id: id }));
    await axios.post('https://ledger.example.com/entries', { @e@Id: id, kind: 'settlement' });
  });
}"#,
    ),
];

const TS_HEADER_PLAIN: &[&str] = &[
    "import { z } from 'zod';",
    "import type { Paginated, SortOrder } from '../common/types';",
    "",
    "export type @E@Status = 'pending' | 'active' | 'suspended' | 'cancelled' | 'archived';",
];

const TS_HEADER_SERVICE: &[&str] = &[
    "import { Injectable, Logger, NotFoundException } from '@nestjs/common';",
    "import { InjectRepository } from '@nestjs/typeorm';",
    "import { DataSource, EntityManager, Repository } from 'typeorm';",
    "import { PrismaClient } from '@prisma/client';",
    "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';",
    "import { Kafka, Producer } from 'kafkajs';",
    "import { HttpService } from '@nestjs/axios';",
    "import pRetry from 'p-retry';",
    "import { @E@ } from './@k@.entity';",
    "import { EventBus } from '../events/event-bus';",
    "",
    "const prisma = new PrismaClient();",
    "const sqs = new SQSClient({ region: process.env.AWS_REGION ?? 'eu-west-1' });",
];

const TS_PLAIN: &[Template] = &[
    (
        3,
        r#"export interface @E@Dto@id@ {
  id: string;
  @f1@: string;
  @f2@: number;
  @f3@?: string | null;
  status: @E@Status;
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, unknown>;
}

export interface Create@E@Input@id@ {
  @f1@: string;
  @f2@?: number;
  @f3@?: string;
}"#,
    ),
    (
        3,
        r#"export const create@E@Schema@id@ = z.object({
  @f1@: z.string().min(1).max(@n@),
  @f2@: z.number().int().nonnegative().optional(),
  @f3@: z.string().max(255).optional(),
  tags: z.array(z.string()).max(10).default([]),
});

export type Create@E@Payload@id@ = z.infer<typeof create@E@Schema@id@>;"#,
    ),
    (
        3,
        r#"export function to@E@Dto@id@(row: Record<string, any>): @E@Dto {
  return {
    id: String(row.id),
    @f1@: row.@g1@,
    @f2@: Number(row.@g2@ ?? 0),
    @f3@: row.@g3@ ?? null,
    status: row.status as @E@Status,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    metadata: row.metadata ?? {},
  };
}"#,
    ),
    (
        2,
        r#"export function sort@Es@@id@<T extends { @f1@: string; updatedAt: string }>(items: T[], order: SortOrder = 'asc'): T[] {
  const direction = order === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    if (a.@f1@ === b.@f1@) {
      return direction * (Date.parse(a.updatedAt) - Date.parse(b.updatedAt));
    }
    return direction * a.@f1@.localeCompare(b.@f1@);
  });
}"#,
    ),
    (
        2,
        r#"export enum @E@Event@id@ {
  Created = '@s@.created',
  Updated = '@s@.updated',
  Cancelled = '@s@.cancelled',
  Archived = '@s@.archived',
}

export const @e@EventLabels@id@: Record<@E@Event@id@, string> = {
  [@E@Event@id@.Created]: 'Created',
  [@E@Event@id@.Updated]: 'Updated',
  [@E@Event@id@.Cancelled]: 'Cancelled',
  [@E@Event@id@.Archived]: 'Archived',
};"#,
    ),
    (
        2,
        r#"export function can@Act@@E@@id@(user: { id: string; roles: string[] }, @e@: { ownerId: string; status: @E@Status }): boolean {
  if (user.roles.includes('admin')) {
    return true;
  }
  if (@e@.status === 'archived' || @e@.status === 'cancelled') {
    return false;
  }
  return @e@.ownerId === user.id && user.roles.includes('@s@:write');
}"#,
    ),
    (
        2,
        r#"export class @E@Mapper@id@ {
  static toPersistence(dto: Create@E@Input): Record<string, unknown> {
    return {
      @g1@: dto.@f1@.trim(),
      @g2@: dto.@f2@ ?? 0,
      @g3@: dto.@f3@ ?? null,
      status: 'pending',
    };
  }

  static toPage(rows: Record<string, any>[], total: number, page: number): Paginated<@E@Dto> {
    return { items: rows.map((row) => to@E@Dto(row)), total, page, pages: Math.ceil(total / 25) };
  }
}"#,
    ),
    (
        1,
        r#"export type @E@Filter@id@ = {
  @f1@?: string;
  status?: @E@Status[];
  createdFrom?: Date;
  createdTo?: Date;
  search?: string;
};

export function build@E@Where@id@(filter: @E@Filter@id@): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  if (filter.@f1@) {
    where.@g1@ = filter.@f1@;
  }
  if (filter.status?.length) {
    where.status = { in: filter.status };
  }
  if (filter.createdFrom || filter.createdTo) {
    where.createdAt = { gte: filter.createdFrom, lte: filter.createdTo };
  }
  if (filter.search) {
    where.OR = [{ @f1@: { contains: filter.search } }, { @f3@: { contains: filter.search } }];
  }
  return where;
}"#,
    ),
];

const TS_SERVICE: &[Template] = &[
    (
        3,
        r#"@Injectable()
export class @E@QueryService@id@ {
  private readonly logger = new Logger(@E@QueryService@id@.name);

  constructor(@InjectRepository(@E@) private readonly @es@: Repository<@E@>) {}

  async findOne(id: string): Promise<@E@> {
    const @e@ = await this.@es@.findOne({ where: { id } });
    if (!@e@) {
      throw new NotFoundException(`@e@ ${id} not found`);
    }
    return @e@;
  }

  async findMany(page = 1): Promise<@E@[]> {
    this.logger.debug(`listing @ss@ page ${page}`);
    return this.@es@.find({ skip: (page - 1) * 25, take: 25, order: { createdAt: 'DESC' } });
  }
}"#,
    ),
    (
        3,
        r#"export async function handle@E@@Ev@Message@id@(message: { Body?: string; MessageId?: string }): Promise<void> {
  if (!message.Body) {
    return;
  }
  const payload = JSON.parse(message.Body) as { @e@Id: string; @f1@?: string };
  const processed = await prisma.processedMessage.findUnique({ where: { id: message.MessageId ?? '' } });
  if (processed) {
    return;
  }
  await prisma.@e@.update({ where: { id: payload.@e@Id }, data: { status: '@ev@' } });
  await prisma.processedMessage.create({ data: { id: message.MessageId ?? payload.@e@Id } });
}"#,
    ),
    (
        3,
        r#"export async function enqueue@E@@Act@@id@(@e@Id: string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: process.env.@S@_QUEUE_URL,
      MessageBody: JSON.stringify({ @e@Id, type: '@t@' }),
      MessageDeduplicationId: `@t@-${@e@Id}`,
      MessageGroupId: @e@Id,
    }),
  );
}"#,
    ),
    (
        2,
        r#"export async function push@E@ToPartner@id@(http: HttpService, @e@: { id: string; @f1@: string }): Promise<void> {
  await pRetry(
    async () => {
      const response = await fetch('https://partner.example.com/v2/@ss@', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Idempotency-Key': `@k@-${@e@.id}` },
        body: JSON.stringify({ reference: @e@.id, @f1@: @e@.@f1@ }),
      });
      if (!response.ok) {
        throw new Error(`partner rejected @e@ ${@e@.id}: ${response.status}`);
      }
    },
    { retries: 4 },
  );
}"#,
    ),
    (
        2,
        r#"export async function refresh@E@Cache@id@(@e@Id: string): Promise<void> {
  try {
    await fetch(`https://@host@/cache/@ss@/${@e@Id}`, { method: 'DELETE' });
  } catch (error) {
    console.warn('cache refresh failed', error);
  }
}"#,
    ),
    (
        2,
        r#"export async function start@E@Consumer@id@(kafka: Kafka): Promise<void> {
  const consumer = kafka.consumer({ groupId: '@svc@-@k@-projection' });
  await consumer.connect();
  await consumer.subscribe({ topic: '@t@' });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value?.toString() ?? '{}') as { @e@Id: string; @f1@: string };
      await prisma.@e@Projection.upsert({
        where: { id: event.@e@Id },
        create: { id: event.@e@Id, @f1@: event.@f1@ },
        update: { @f1@: event.@f1@ },
      });
    },
  });
}"#,
    ),
];

const TS_WORKFLOW: &[Template] = &[
    (
        3,
        r#"@Injectable()
export class @E@CommandService@id@ {
  constructor(private readonly dataSource: DataSource, private readonly producer: Producer, private readonly events: EventBus) {}

  async @act@(id: string, actorId: string): Promise<@E@> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const @e@ = await manager.findOneOrFail(@E@, { where: { id }, lock: { mode: 'pessimistic_write' } });
      @e@.status = '@ev@';
      await manager.save(@e@);
      await this.producer.send({ topic: '@t@', messages: [{ key: id, value: JSON.stringify({ @e@Id: id, actorId }) }] });
      return @e@;
    });
  }

  async @act@Safely(id: string): Promise<@E@> {
    const @e@ = await this.dataSource.transaction(async (manager: EntityManager) => {
      const found = await manager.findOneOrFail(@E@, { where: { id } });
      found.status = '@ev@';
      await manager.insert('outbox', { topic: '@t@', key: id, payload: JSON.stringify({ @e@Id: id }) });
      return manager.save(found);
    });
    return @e@;
  }
}"#,
    ),
    (
        3,
        r#"export async function @act@@E@WithPrisma@id@(id: string, @f1@: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const @e@ = await tx.@e@.update({ where: { id }, data: { status: '@ev@', @f1@ } });
    await tx.auditLog.create({ data: { entity: '@s@', entityId: id, action: '@act@' } });
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.@S@_QUEUE_URL, MessageBody: JSON.stringify({ @e@Id: @e@.id }) }));
  });
}"#,
    ),
    (
        3,
        r#"export async function @act@@E@ThenNotify@id@(events: EventBus, id: string): Promise<void> {
  const @e@ = await prisma.$transaction(async (tx) => {
    const updated = await tx.@e@.update({ where: { id }, data: { status: '@ev@' } });
    await tx.outboxMessage.create({ data: { topic: '@t@', key: id, payload: { @e@Id: id } } });
    return updated;
  });
  await events.publish('@t@', { @e@Id: @e@.id });
}"#,
    ),
    (
        2,
        r#"export async function transfer@E@@id@(dataSource: DataSource, events: EventBus, id: string): Promise<void> {
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  await queryRunner.startTransaction();
  try {
    await queryRunner.manager.update(@E@, id, { status: '@ev@' });
    await events.publish('@t@', { @e@Id: id });
    await queryRunner.commitTransaction();
  } catch (error) {
    await queryRunner.rollbackTransaction();
    throw error;
  } finally {
    await queryRunner.release();
  }
}"#,
    ),
];

const TSX_HEADER_PLAIN: &[&str] = &[
    "import React, { useCallback, useEffect, useMemo, useState } from 'react';",
    "import { Button } from '@/components/ui/button';",
    "import { formatDate } from '@/lib/format';",
    "import type { @E@Dto } from '@/types/@k@';",
];

const TSX_HEADER_ACTIONS: &[&str] = &[
    "'use server';",
    "",
    "import React from 'react';",
    "import { revalidatePath } from 'next/cache';",
    "import { prisma } from '@/lib/prisma';",
    "import { resend } from '@/lib/resend';",
    "import { inngest } from '@/lib/inngest';",
    "import type { @E@Dto } from '@/types/@k@';",
];

const TSX_PLAIN: &[Template] = &[
    (
        4,
        r#"export function @E@Card@id@({ @e@, onSelect }: { @e@: @E@Dto; onSelect?: (id: string) => void }): JSX.Element {
  const label = useMemo(() => `${@e@.@f1@} · ${formatDate(@e@.createdAt)}`, [@e@]);
  return (
    <article className="rounded border p-4" data-testid="@k@-card">
      <header className="flex items-center justify-between">
        <h3 className="text-lg font-semibold">{label}</h3>
        <span className={`badge badge-${@e@.status}`}>{@e@.status}</span>
      </header>
      <p className="text-sm text-muted">{@e@.@f3@ ?? 'No @f3@'}</p>
      {onSelect ? (
        <Button variant="outline" onClick={() => onSelect(@e@.id)}>
          Open
        </Button>
      ) : null}
    </article>
  );
}"#,
    ),
    (
        3,
        r#"export function @E@List@id@({ items }: { items: @E@Dto[] }): JSX.Element {
  const [query, setQuery] = useState('');
  const visible = useMemo(
    () => items.filter((item) => item.@f1@.toLowerCase().includes(query.toLowerCase())),
    [items, query],
  );
  return (
    <section>
      <input value={query} onChange={(event) => setQuery(event.target.value)} placeholder="Filter @ss@" />
      <ul>
        {visible.map((item) => (
          <li key={item.id}>
            {item.@f1@} <small>{item.status}</small>
          </li>
        ))}
      </ul>
      {visible.length === 0 && <p>No @ss@ match “{query}”.</p>}
    </section>
  );
}"#,
    ),
    (
        3,
        r#"export function use@E@@id@(id: string): { @e@: @E@Dto | null; loading: boolean; error: string | null } {
  const [@e@, set@E@] = useState<@E@Dto | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    fetch(`/api/@ss@/${id}`)
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
      .then((data: @E@Dto) => {
        if (!cancelled) {
          set@E@(data);
        }
      })
      .catch((err: Error) => !cancelled && setError(err.message))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [id]);
  return { @e@, loading, error };
}"#,
    ),
    (
        2,
        r#"export function @E@Form@id@({ initial, onSubmit }: { initial?: Partial<@E@Dto>; onSubmit: (values: Partial<@E@Dto>) => Promise<void> }): JSX.Element {
  const [values, setValues] = useState<Partial<@E@Dto>>(initial ?? {});
  const [saving, setSaving] = useState(false);
  const submit = useCallback(
    async (event: React.FormEvent) => {
      event.preventDefault();
      setSaving(true);
      try {
        await onSubmit(values);
      } finally {
        setSaving(false);
      }
    },
    [onSubmit, values],
  );
  return (
    <form onSubmit={submit}>
      <label>
        @F1@
        <input value={String(values.@f1@ ?? '')} onChange={(e) => setValues({ ...values, @f1@: e.target.value })} />
      </label>
      <Button type="submit" disabled={saving}>
        {saving ? 'Saving…' : 'Save'}
      </Button>
    </form>
  );
}"#,
    ),
];

const TSX_WORKFLOW: &[Template] = &[
    (
        3,
        r#"export async function @act@@E@Action@id@(formData: FormData): Promise<void> {
  const id = String(formData.get('id'));
  await prisma.$transaction(async (tx) => {
    const @e@ = await tx.@e@.update({ where: { id }, data: { status: '@ev@' } });
    await resend.emails.send({ from: 'team@example.com', to: @e@.email, subject: '@E@ @ev@', html: `<p>#${@e@.id}</p>` });
  });
  revalidatePath('/@ss@');
}"#,
    ),
    (
        3,
        r#"export async function @act@@E@SafelyAction@id@(formData: FormData): Promise<JSX.Element> {
  const id = String(formData.get('id'));
  const @e@ = await prisma.$transaction(async (tx) => {
    return tx.@e@.update({ where: { id }, data: { status: '@ev@' } });
  });
  await inngest.send({ name: '@t@', data: { @e@Id: @e@.id } });
  revalidatePath(`/@ss@/${id}`);
  return <p data-@k@-id={@e@.id}>@E@ @ev@</p>;
}"#,
    ),
];

/// The JavaScript tables.
pub(super) fn js_tables(kind: Kind) -> Tables {
    Tables {
        header: if kind == Kind::Plain {
            JS_HEADER_PLAIN
        } else {
            JS_HEADER_SERVICE
        },
        plain: JS_PLAIN,
        service: JS_SERVICE,
        workflow: JS_WORKFLOW,
        footer: Some(if kind == Kind::Plain {
            "module.exports = { logger };"
        } else {
            "module.exports = { router };"
        }),
    }
}

/// The TypeScript tables.
pub(super) fn ts_tables(kind: Kind) -> Tables {
    Tables {
        header: if kind == Kind::Plain {
            TS_HEADER_PLAIN
        } else {
            TS_HEADER_SERVICE
        },
        plain: TS_PLAIN,
        service: TS_SERVICE,
        workflow: TS_WORKFLOW,
        footer: None,
    }
}

/// The TSX tables.
pub(super) fn tsx_tables(kind: Kind) -> Tables {
    Tables {
        header: if kind == Kind::Workflow {
            TSX_HEADER_ACTIONS
        } else {
            TSX_HEADER_PLAIN
        },
        plain: TSX_PLAIN,
        service: TSX_PLAIN,
        workflow: TSX_WORKFLOW,
        footer: None,
    }
}
