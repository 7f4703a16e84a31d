import { Type } from 'typebox';

const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  postgres: Check,
  redis: Check,
});

export const healthSchema = {
  tags: ['health'],
  summary: 'Liveness: the process answers',
  response: { 200: Type.Object({ status: Type.Literal('ok') }) },
};

export const readySchema = {
  tags: ['health'],
  summary: 'Readiness: Postgres and Redis answer (503 naming the store that does not)',
  response: { 200: Ready, 503: Ready },
};
