import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Parsed YAML: its shape is what the schema validation in kubernetes.test.ts checks. */
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked against the schemas rather than typed
export type Yaml = any;

/** One Kubernetes object as YAML gives it. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
} & Record<string, Yaml>;

/**
 * What `kubectl apply -k` (kustomize 4+) renders from deploy/kubernetes, for the features those files use:
 * resources (files and directories), components, namespace, images. Any other kustomization field throws,
 * so a file that starts using one fails the tests until this renderer learns it, instead of being checked
 * as something it is not. (No kustomize binary or Helm can be installed here; see README, "Run it on
 * Kubernetes".)
 */
export function renderKustomization(dir: string): K8sObject[] {
  return render(resolve(dir), 'Kustomization');
}

const FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'images']);
/** Kinds the namespace transformer leaves alone (cluster-scoped ones these files use). */
const CLUSTER_SCOPED = new Set(['Namespace']);

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
}

/**
 * A Kustomization renders its own list; a Component adds to, and transforms, the list of the kustomization
 * that includes it (`objects`), as kustomize does.
 */
function render(
  dir: string,
  expectedKind: 'Kustomization' | 'Component',
  objects: K8sObject[] = [],
): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${dir}: no kustomization.yaml`);
  const k = readYaml(file)[0] as Record<string, Yaml>;
  for (const field of Object.keys(k))
    if (!FIELDS.has(field))
      throw new Error(`${file}: kustomize field "${field}" is not rendered by tests/kustomize.ts`);
  const apiVersion =
    expectedKind === 'Component' ? 'kustomize.config.k8s.io/v1alpha1' : 'kustomize.config.k8s.io/v1beta1';
  if (k.kind !== expectedKind || k.apiVersion !== apiVersion)
    throw new Error(`${file}: expected ${apiVersion} ${expectedKind}, got ${k.apiVersion} ${k.kind}`);

  for (const entry of (k.resources ?? []) as string[]) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) objects.push(...render(path, 'Kustomization'));
    else objects.push(...(readYaml(path) as K8sObject[]));
  }
  // Components come after resources, in the including kustomization's context.
  for (const entry of (k.components ?? []) as string[])
    objects.push(...render(join(dir, entry), 'Component'));

  for (const rule of (k.images ?? []) as ImageRule[]) for (const object of objects) setImages(object, rule);
  if (k.namespace) for (const object of objects) setNamespace(object, k.namespace);

  const seen = new Set<string>();
  for (const object of objects) {
    const id = `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (seen.has(id)) throw new Error(`${dir}: ${id} is defined twice (kustomize refuses this)`);
    seen.add(id);
  }
  return objects;
}

function readYaml(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    return doc.toJS();
  });
}

/** The pod spec of a workload, if it has one. */
export function podSpec(object: K8sObject): Record<string, Yaml> | undefined {
  return object.spec?.template?.spec;
}

/** Every container of a workload, init containers included. */
export function containersOf(object: K8sObject): Array<Record<string, Yaml>> {
  const spec = podSpec(object);
  return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : [];
}

/** kustomize's image transformer: `name` matches an image without its tag or digest. */
function setImages(object: K8sObject, rule: ImageRule): void {
  for (const container of containersOf(object)) {
    const image = container.image as string;
    const [name, tag] = splitImage(image);
    if (name !== rule.name) continue;
    container.image = `${rule.newName ?? name}${rule.newTag ? `:${rule.newTag}` : tag ? `:${tag}` : ''}`;
  }
}

/** An image reference as [name, tag], the tag undefined when there is none (registry ports are not tags). */
export function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  if (at > image.lastIndexOf('/')) return [image.slice(0, at), image.slice(at + 1)];
  return [image, undefined];
}

function setNamespace(object: K8sObject, namespace: string): void {
  if (CLUSTER_SCOPED.has(object.kind)) {
    // kustomize renames the Namespace object too; these files name it as their kustomization does.
    if (object.kind === 'Namespace' && object.metadata.name !== namespace)
      throw new Error(`Namespace ${object.metadata.name} under a kustomization with namespace ${namespace}`);
    return;
  }
  object.metadata.namespace = namespace;
}
