import { Type } from 'typebox';
import { errorResponses } from '../../schemas.js';

const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  postgres: Check,
  redis: Check,
});

export const healthSchema = {
  operationId: 'getHealth',
  tags: ['health'],
  summary: 'Liveness: the process answers',
  response: { 200: Type.Object({ status: Type.Literal('ok') }), ...errorResponses([500]) },
};

export const readySchema = {
  operationId: 'getReadiness',
  tags: ['health'],
  summary: 'Readiness: Postgres and Redis answer (503 naming the store that does not)',
  response: {
    200: Type.Object(Ready.properties, { description: 'Postgres and Redis answer' }),
    503: Type.Object(Ready.properties, { description: 'A store does not answer: its check says why' }),
    ...errorResponses([500]),
  },
};
