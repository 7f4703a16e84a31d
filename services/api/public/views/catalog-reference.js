import { getCatalog } from '../api.js';
import { fill, h } from '../dom.js';

const describeType = (option) =>
  option.type ??
  (option.anyOf ? option.anyOf.map(describeType).join(' | ') : option.oneOf ? 'number or list' : 'any');

function entry(item, extra) {
  const options = Object.entries(item.options ?? {});
  const required = new Set(item.required ?? []);
  return h(
    'details',
    { class: 'catalog' },
    h(
      'summary',
      null,
      h('b', null, item.type ?? item.name),
      ' ',
      h('span', { class: 'muted' }, item.description ?? ''),
    ),
    /^https?:\/\//.test(item.reference ?? '')
      ? h('a', { href: item.reference, target: '_blank', rel: 'noopener' }, 'PyTorch docs')
      : null,
    extra,
    options.length
      ? h(
          'table',
          null,
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, 'option'),
              h('th', null, 'type'),
              h('th', null, 'default'),
              h('th', null, 'meaning'),
            ),
          ),
          h(
            'tbody',
            null,
            options.map(([name, option]) =>
              h(
                'tr',
                null,
                h('td', { class: 'mono' }, name, required.has(name) ? ' *' : ''),
                h('td', { class: 'muted' }, describeType(option)),
                h(
                  'td',
                  { class: 'mono' },
                  option.default === undefined ? '' : JSON.stringify(option.default),
                ),
                h('td', null, option.description ?? ''),
              ),
            ),
          ),
        )
      : h('div', { class: 'muted' }, 'No options.'),
  );
}

/** GET /v1/catalog as a browsable reference beside the editors: every option with type, default and meaning. */
export function catalogReference(root) {
  fill(root, h('div', { class: 'muted' }, 'Loading the catalog…'));
  getCatalog()
    .then((catalog) =>
      fill(
        root,
        h('h2', null, 'Workloads'),
        Object.values(catalog.workloads).map((w) =>
          entry(
            w,
            h(
              'div',
              { class: 'muted' },
              `parameter groups: ${w.paramGroups.join(', ')}${w.hasValidation ? '' : ' · no validation set'}`,
            ),
          ),
        ),
        h('h2', { style: 'margin-top: 14px' }, 'Optimizers (torch.optim)'),
        Object.values(catalog.optimizers).map((o) => entry(o)),
        h('h2', { style: 'margin-top: 14px' }, 'Schedulers (torch.optim.lr_scheduler)'),
        Object.values(catalog.schedulers).map((s) => entry(s)),
      ),
    )
    .catch((error) => fill(root, h('div', { class: 'errors' }, `catalog unavailable: ${error.message}`)));
}
