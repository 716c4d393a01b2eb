// English and 简体中文: every string translated, placeholders kept, locale picked from the host.
import assert from 'node:assert/strict';
import { errorText, pickLocale, translator } from '../src/i18n';
import { en } from '../src/i18n/en';
import { zhCN } from '../src/i18n/zh-CN';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  it('translates every English string into 简体中文 with the same placeholders', () => {
    assert.deepEqual(Object.keys(zhCN).sort(), Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      assert.ok(zhCN[key].trim(), `${key} is empty in zh-CN`);
      assert.deepEqual(placeholders(zhCN[key]), placeholders(en[key]), `${key} placeholders differ`);
    }
  });

  it('follows VS Code display language and browser language tags', () => {
    for (const l of ['zh-cn', 'zh-CN', 'zh', 'zh-Hans', 'zh_CN', 'zh-TW']) assert.equal(pickLocale(l), 'zh-CN', l);
    for (const l of ['en', 'en-US', 'de', 'fr-FR', '', undefined]) assert.equal(pickLocale(l), 'en', String(l));
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    const t = translator('zh-CN');
    assert.equal(t('status.queued', { position: 2 }), '排队中 #2');
    assert.equal(translator('en')('status.running', { name: 'Darwin - MacBook-Pro.local' }), 'Running on "Darwin - MacBook-Pro.local"');
    assert.equal(translator('en')('status.queued'), 'Queued #{position}');
  });

  it('words known error codes for people and falls back to the server sentence', () => {
    const t = translator('en');
    assert.equal(errorText(t, { code: 'DEVICE_OFFLINE', message: 'Device abc went offline' }), 'Device offline');
    assert.equal(errorText(t, { code: 'MODEL_OVERLOADED', message: 'The model is overloaded; retry later.' }), 'The model is overloaded; retry later.');
    assert.equal(errorText(translator('zh-CN'), { code: 'DEVICE_OFFLINE', message: 'x' }), '设备离线');
  });
});
