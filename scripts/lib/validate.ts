import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import type { K8sObject } from './render.js';

// The kinds the manifests use, validated against the Kubernetes OpenAPI schemas that kubernetes-models ships.
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Schema problems of one object, as `Kind/name: path message` lines; empty when valid. */
export function schemaProblems(obj: K8sObject): string[] {
  const Model = models[`${obj.apiVersion}/${obj.kind}`];
  const id = `${obj.kind}/${obj.metadata?.name}`;
  if (!Model) return [`${id}: ${obj.apiVersion} ${obj.kind} is not a kind the kit deploys`];
  try {
    new Model(obj as never).validate();
    return [];
  } catch (err) {
    const e = err as Error & { errors?: { instancePath: string; message: string }[] };
    return (e.errors ?? [{ instancePath: '', message: e.message }]).map((x) => `${id}: ${x.instancePath || '/'} ${x.message}`);
  }
}
