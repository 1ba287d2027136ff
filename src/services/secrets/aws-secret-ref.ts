// What a secret name means to the aws-secrets-manager provider: a Secrets Manager secret (by ARN or by name)
// or an SSM parameter (by ARN), chosen by the ARN's service. The Secrets Manager ARN may carry the suffix ECS
// and Batch take in a container's `secrets[].valueFrom` (AWS docs, "Pass Secrets Manager secrets through
// Amazon ECS environment variables"): `arn:…:secret:NAME:json-key:version-stage:version-id`, any part empty.

export type AwsSecretRef =
  | {
      readonly service: 'secretsmanager';
      /** The SecretId of GetSecretValue: the ARN without the json-key suffix, or the name as given. */
      readonly secretId: string;
      /** From the ARN; undefined for a bare name (the provider's region applies). */
      readonly region?: string;
      /** A key of the secret's JSON object: its value is the secret. */
      readonly jsonKey?: string;
      readonly versionStage?: string;
      readonly versionId?: string;
    }
  | {
      readonly service: 'ssm';
      /** GetParameter takes the ARN itself as Name (AWS docs, SSM GetParameter "Name"). */
      readonly name: string;
      readonly region: string;
    };

/** Secrets Manager ARN: arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME (NAME ends in "-" + 6 chars). */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:([^:]+)((?::[^:]*){0,3})$/;
/** SSM parameter ARN: arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME (hierarchical names keep their slashes). */
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):parameter\/.+$/;
/** Secret names: 1–512 of letters, digits and /_+=.@- (AWS docs, CreateSecret "Name"). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Whether `text` is an ARN a step can read a secret from (Secrets Manager or SSM Parameter Store). */
export function isSecretArn(text: string): boolean {
  return SECRET_ARN.test(text) || PARAMETER_ARN.test(text);
}

/** The reference `name` stands for, or a problem saying what is expected. */
export function parseAwsSecretRef(name: string): AwsSecretRef | { problem: string } {
  const secret = SECRET_ARN.exec(name);
  if (secret) {
    const [, region, , , suffix = ''] = secret;
    const [jsonKey, versionStage, versionId] = suffix.split(':').slice(1);
    if (versionStage && versionId)
      return { problem: `"${name}" gives both a version stage and a version id; keep one of them` };
    return {
      service: 'secretsmanager',
      secretId: name.slice(0, name.length - suffix.length),
      region,
      ...(jsonKey ? { jsonKey } : {}),
      ...(versionStage ? { versionStage } : {}),
      ...(versionId ? { versionId } : {}),
    };
  }
  const parameter = PARAMETER_ARN.exec(name);
  if (parameter) return { service: 'ssm', name, region: parameter[1]! };
  if (name.startsWith('arn:'))
    return {
      problem: `"${name}" is not the ARN of a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME) or of an SSM parameter (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)`,
    };
  if (!SECRET_NAME.test(name))
    return { problem: `"${name}" is neither an ARN nor a Secrets Manager secret name (letters, digits and /_+=.@-)` };
  return { service: 'secretsmanager', secretId: name };
}
