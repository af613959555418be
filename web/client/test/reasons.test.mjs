// Every reason the agent can give has a message a person can act on, in
// Russian and in English, and every agent code maps to its reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Code, Reason, ZaveraError } from '@zavera/client';

test('every reason has its own Russian and English message', () => {
  const generic = new ZaveraError('internal').messages;
  for (const reason of Object.values(Reason)) {
    const e = new ZaveraError(reason, { lang: 'ru' });
    assert.ok(e.messages.ru.length > 10 && e.messages.en.length > 10, reason);
    assert.notEqual(e.messages.ru, e.messages.en, reason);
    if (reason !== Reason.INTERNAL) {
      assert.notEqual(e.messages.en, generic.en, `${reason} falls back to the message of internal`);
    }
  }
});

test('a driver failure tells the user to sign again with the PIN', () => {
  assert.equal(Code.TOKEN_DRIVER_FAILED, 1012);
  assert.equal(Code.UNAVAILABLE, 1011);
  const e = new ZaveraError(Reason.TOKEN_DRIVER_FAILED, { code: 1012, lang: 'ru' });
  assert.match(e.messages.ru, /PIN/);
  assert.match(e.messages.en, /PIN/);
  assert.equal(e.message, e.messages.ru);
});
