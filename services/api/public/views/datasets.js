import { api } from '../api.js';
import { errorList, fill, h, notify, submitWith } from '../dom.js';
import { formatAgo, formatCount, formatTime } from '../format.js';
import { dataTable } from '../leaderboard.js';

const FORMATS = ['csv', 'npy', 'npz', 'parquet'];

/** The format a file's extension says (.csv, .npy, .npz, .parquet), as the CLI reads it. */
const formatOf = (fileName) => FORMATS.find((format) => fileName.toLowerCase().endsWith(`.${format}`));

/** A name the API takes (letters, digits, `.`, `_`, `-`), from a file's name: `iris data.csv` -> `iris-data`. */
const nameOf = (fileName) =>
  fileName
    .replace(/\.[^.]+$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'dataset';

const formatBytes = (bytes) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** A dataset's columns (name:type) or arrays (name dtype[shape]), the first few and how many more. */
function contents(dataset) {
  const parts = dataset.columns
    ? dataset.columns.map((c) => `${c.name}:${c.type === 'integer' ? 'int' : 'float'}`)
    : (dataset.arrays ?? []).map((a) => `${a.name} ${a.dtype}[${a.shape.join(', ')}]`);
  const shown = parts.slice(0, 6).join(', ');
  return parts.length > 6 ? `${shown}, … (${parts.length} in all)` : shown;
}

/**
 * Uploaded datasets (GET /v1/datasets): what each holds, an upload form (the file goes to POST /v1/datasets as
 * it is, streamed by the browser) and a delete button (409 while a running sweep trains on it).
 */
export function datasetsPage(root) {
  const errors = h('ul', { class: 'errors' });
  const file = h('input', {
    type: 'file',
    accept: FORMATS.map((f) => `.${f}`).join(','),
    'aria-label': 'dataset file',
    onchange: () => {
      const chosen = file.files?.[0];
      if (chosen && !name.value) name.value = nameOf(chosen.name);
    },
  });
  const name = h('input', {
    type: 'text',
    placeholder: 'name (from the file)',
    'aria-label': 'dataset name',
  });
  const upload = h('button', { type: 'submit', class: 'primary needs-write' }, 'Upload');
  const table = dataTable({
    class: 'datasets',
    columns: [
      { head: 'name', cell: (d) => h('b', null, d.name) },
      {
        head: 'id',
        cell: (d) => h('span', { class: 'mono', title: d.id }, d.builtin ? d.id : d.id.slice(0, 8)),
      },
      { head: 'format', cell: (d) => d.format },
      { head: 'rows', num: true, cell: (d) => formatCount(d.rows) },
      { head: 'size', num: true, cell: (d) => formatBytes(d.bytes) },
      { head: 'columns / arrays', cell: (d) => contents(d), cellTitle: (d) => contents(d) },
      {
        head: 'uploaded',
        // A built-in dataset ships with the service: never uploaded, never deleted.
        cell: (d) =>
          d.builtin
            ? h('span', { class: 'muted', title: d.description }, 'built in')
            : h('span', { title: formatTime(d.createdAt) }, formatAgo(d.createdAt)),
      },
      {
        head: '',
        cell: (d) =>
          d.builtin ? '' : h('button', { class: 'danger needs-write', onclick: () => remove(d) }, 'Delete'),
      },
    ],
    row: (d) => ({ dataset: { datasetId: d.id } }),
  });
  const empty = h(
    'div',
    { class: 'empty', hidden: true },
    'No datasets uploaded yet: upload a CSV, NPY, NPZ or Parquet file (the built-in ones need none).',
  );

  fill(
    root,
    h(
      'div',
      { class: 'panel' },
      h('h1', null, 'Datasets'),
      h(
        'p',
        { class: 'muted' },
        'A CSV (a header row, numeric cells), a NumPy .npy or .npz, or a Parquet file of numeric columns. A sweep names one in ',
        h(
          'code',
          null,
          '"workload": {"dataset": {"id": NAME, "target": COLUMN}, "model": [...], "loss": {...}}',
        ),
        '. The same bytes uploaded again answer the stored dataset.',
      ),
      h('form', { class: 'row upload-form', onsubmit: submitWith(send) }, file, name, upload),
      errors,
      table.element,
      empty,
    ),
  );

  async function load() {
    try {
      const { items } = await api('/v1/datasets');
      table.render(items);
      empty.hidden = items.some((d) => !d.builtin);
    } catch (error) {
      errorList(errors, error);
    }
  }

  async function send() {
    const chosen = file.files?.[0];
    if (!chosen) return errorList(errors, { message: 'choose a file first' });
    const format = formatOf(chosen.name);
    if (!format) {
      return errorList(errors, { message: `"${chosen.name}" is not a .csv, .npy, .npz or .parquet file` });
    }
    const query = new URLSearchParams({ name: name.value.trim() || nameOf(chosen.name) });
    if (format !== 'csv') query.set('format', format);
    upload.disabled = true;
    try {
      const dataset = await api(`/v1/datasets?${query}`, {
        method: 'POST',
        body: chosen,
        contentType: format === 'csv' ? 'text/csv' : 'application/octet-stream',
      });
      fill(errors);
      notify(`Uploaded ${dataset.name}: ${formatCount(dataset.rows)} rows.`);
      file.value = '';
      name.value = '';
      await load();
    } catch (error) {
      errorList(errors, error);
    } finally {
      upload.disabled = false;
    }
  }

  async function remove(dataset) {
    if (!confirm(`Delete the dataset ${dataset.name}? Sweeps that trained on it keep their results.`)) return;
    try {
      await api(`/v1/datasets/${encodeURIComponent(dataset.id)}`, { method: 'DELETE' });
      notify(`Deleted ${dataset.name}.`);
      await load();
    } catch (error) {
      errorList(errors, error);
    }
  }

  load();
  return {};
}
