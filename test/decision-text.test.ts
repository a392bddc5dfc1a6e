// Every reason a decision can be refused for, exact, in both languages (the English one is also what
// the journal records).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusalDetailText, type RefusalDetail } from '../src/core/decision-text.ts';

const CASES: { [K in RefusalDetail['key']]: { detail: Extract<RefusalDetail, { key: K }>; ko: string; en: string } } = {
  'not-allowed': {
    detail: { key: 'not-allowed', command: 'veto' },
    ko: '허용 목록에 없는 사용자: veto 거부',
    en: 'not on the allow-list: veto refused',
  },
  'unknown-incident': {
    detail: { key: 'unknown-incident', incidentId: 'INC-0042' },
    ko: '인시던트 INC-0042 없음',
    en: 'no incident INC-0042',
  },
  'not-awaiting': {
    detail: { key: 'not-awaiting', incidentId: 'INC-0001', phase: 'running' },
    ko: 'INC-0001은(는) 실행 중 상태로, 결정을 기다리고 있지 않습니다',
    en: 'INC-0001 is running, not awaiting a decision',
  },
  stale: {
    detail: { key: 'stale', incidentId: 'INC-0001' },
    ko: '이 버튼은 INC-0001의 이전 공지에 속합니다',
    en: 'this button belongs to an earlier announcement of INC-0001',
  },
  expired: {
    detail: { key: 'expired', incidentId: 'INC-0001', command: 'approve' },
    ko: 'INC-0001의 버튼이 만료되었습니다. /approve INC-0001를 사용하세요',
    en: 'the buttons of INC-0001 expired; use /approve INC-0001',
  },
  'in-flight': {
    detail: { key: 'in-flight', incidentId: 'INC-0003' },
    ko: '다른 실행이 진행 중입니다 (INC-0003)',
    en: 'another execution is in flight (INC-0003)',
  },
};

test('refusal details, exact, in Korean and English', () => {
  for (const { detail, ko, en } of Object.values(CASES)) {
    assert.equal(refusalDetailText('ko', detail), ko);
    assert.equal(refusalDetailText('en', detail), en);
  }
});
