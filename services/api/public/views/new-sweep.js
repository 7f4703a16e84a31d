import { api } from '../api.js';
import { errorList, fill, h, submitWith } from '../dom.js';
import { sweepHref } from '../routes.js';
import { catalogReference } from './catalog-reference.js';

/** Small enough to finish in seconds on any machine: the first thing to try. */
const QUICK_EXAMPLE = {
  name: 'Adam on Rosenbrock',
  workload: 'rosenbrock',
  training: { epochs: 200 },
  optimizers: [
    { type: 'Adam', lr: [0.01, 0.1] },
    { type: 'SGD', lr: 0.001, momentum: 0.9 },
  ],
  schedulers: [null, { type: 'StepLR', step_size: 50, gamma: 0.5 }],
  objective: { metric: 'train_loss', mode: 'min' },
};

const DRAFT_KEY = 'hypersweep.draft';

/** Hands a spec to the editor ("Edit as new" on a sweep page); the editor takes it once. */
export function saveDraft(spec) {
  sessionStorage.setItem(DRAFT_KEY, JSON.stringify(spec));
}

function takeDraft() {
  const draft = sessionStorage.getItem(DRAFT_KEY);
  sessionStorage.removeItem(DRAFT_KEY);
  try {
    return draft ? JSON.parse(draft) : undefined;
  } catch {
    return undefined;
  }
}

/** The POST /v1/sweeps request body examples of the OpenAPI document, so the editor offers what /docs shows. */
async function documentedExamples() {
  const doc = await api('/docs/json');
  const examples =
    doc.paths?.['/v1/sweeps']?.post?.requestBody?.content?.['application/json']?.examples ?? {};
  return Object.values(examples)
    .map((e) => e.value)
    .filter((value) => value && typeof value === 'object');
}

/** Where a JSON.parse error points, as "line L, column C", for the editor's own syntax check. */
function syntaxErrorAt(text, error) {
  const match = /position (\d+)/.exec(error.message);
  if (!match) return error.message;
  const before = text.slice(0, Number(match[1])).split('\n');
  return `${error.message} (line ${before.length}, column ${before.at(-1).length + 1})`;
}

/** The spec editor: JSON prefilled with an example; a 400 lists every `path: message` beside it. */
export function newSweepPage(root) {
  const editor = h('textarea', { class: 'editor', spellcheck: 'false', 'aria-label': 'sweep spec (JSON)' });
  const examples = h('select', { 'aria-label': 'examples' });
  const submit = h('button', { class: 'primary needs-write', type: 'submit' }, 'Submit sweep');
  const errors = h('ul', { class: 'errors', 'aria-live': 'polite' });
  const reference = h('div');
  const example = (spec) => ({ label: `Example: ${spec.name ?? 'unnamed'}`, spec });
  const draft = takeDraft();
  const starts = draft ? [{ label: `Copy of ${draft.name ?? 'a sweep'}`, spec: draft }] : [];
  let choices = [...starts, example(QUICK_EXAMPLE)];

  const setExample = (i) => {
    editor.value = `${JSON.stringify(choices[i].spec, null, 2)}\n`;
    fill(errors);
  };
  const listExamples = () =>
    fill(
      examples,
      choices.map((choice, i) => h('option', { value: i }, choice.label)),
    );
  examples.addEventListener('change', () => setExample(Number(examples.value)));
  editor.addEventListener('keydown', (event) => {
    // Tab indents instead of leaving the editor; Ctrl/Cmd+Enter submits.
    if (event.key === 'Tab' && !event.shiftKey) {
      event.preventDefault();
      editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  const form = h(
    'form',
    { class: 'panel', onsubmit: submitWith(send) },
    h(
      'div',
      { class: 'row spread', style: 'margin-bottom: 10px' },
      h('h1', null, 'New sweep'),
      h('div', { class: 'row' }, examples, submit),
    ),
    h(
      'p',
      { class: 'muted', style: 'margin-top: 0' },
      'A list sweeps its values, a scalar is one value; option names and defaults are PyTorch’s. See the catalog on the right or ',
      h('a', { href: '/docs', target: '_blank', rel: 'noopener' }, 'the API docs'),
      '. Ctrl+Enter submits.',
    ),
    editor,
    errors,
  );
  fill(root, h('div', { class: 'grid-2' }, form, h('div', { class: 'panel' }, reference)));
  listExamples();
  setExample(0);
  catalogReference(reference);
  documentedExamples()
    .then((documented) => {
      choices = [...starts, example(QUICK_EXAMPLE), ...documented.map(example)];
      listExamples();
    })
    .catch(() => {});

  async function send() {
    const text = editor.value;
    try {
      JSON.parse(text);
    } catch (error) {
      errorList(errors, { message: `not valid JSON: ${syntaxErrorAt(text, error)}` });
      return;
    }
    submit.disabled = true;
    try {
      const created = await api('/v1/sweeps', { method: 'POST', body: text });
      location.hash = sweepHref(created.id);
    } catch (error) {
      errorList(errors, error);
    } finally {
      submit.disabled = false;
    }
  }
  return {};
}
