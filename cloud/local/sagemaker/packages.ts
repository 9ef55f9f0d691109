/**
 * Local SageMaker model registry: model package groups and (versioned or unversioned) model
 * packages, validated as SageMaker validates them.
 *
 * The errors (missing or duplicate groups and packages, a group that still holds packages, both
 * or neither package name) and the sources of their wording are in `messages.ts`.
 *
 * @module
 */
import {
  type CreateModelPackageGroupInput,
  type CreateModelPackageInput,
  type DeleteModelPackageGroupInput,
  type DeleteModelPackageInput,
  type DescribeModelPackageGroupInput,
  type DescribeModelPackageGroupOutput,
  type DescribeModelPackageInput,
  type DescribeModelPackageOutput,
  type InferenceSpecification,
  type ListModelPackageGroupsInput,
  type ListModelPackageGroupsOutput,
  type ListModelPackagesInput,
  type ListModelPackagesOutput,
  ModelApprovalStatus,
  ProductionVariantInstanceType,
  type Tag,
} from "@aws-sdk/client-sagemaker";
import type { LocalContext } from "../kernel/context.ts";
import { KIND } from "./records.ts";
import { listPage } from "./list.ts";
import {
  ARN_OR_NAME_PATTERN,
  checkString,
  compact,
  findByName,
  IMAGE_PATTERN,
  InputChecks,
  MIME_PATTERN,
  NAME_MAX,
  NAME_PATTERN,
  sageMakerArn,
  type StringCheckOptions,
  URL_PATTERN,
  VERSIONED_ARN_OR_NAME_PATTERN,
} from "./validation.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";
import {
  approvalOfUnversionedPackage,
  bothPackageNames,
  modelPackageExists,
  modelPackageGroupExists,
  modelPackageGroupNotEmpty,
  modelPackageGroupNotFound,
  modelPackageNotFound,
  noPackageName,
} from "./messages.ts";

/** A stored model package group. */
export interface ModelPackageGroupRecord {
  ModelPackageGroupName: string;
  ModelPackageGroupArn: string;
  ModelPackageGroupDescription?: string;
  /** Epoch ms. */
  CreationTime: number;
  Tags?: Tag[];
  /** The last version number handed out; versions are never reused. */
  latestVersion: number;
}

/** A stored model package (versioned: id `<group>/<version>`; unversioned: its name). */
export interface ModelPackageRecord {
  /** The package name; for a versioned package, its group's name (as DescribeModelPackage reports). */
  ModelPackageName: string;
  ModelPackageGroupName?: string;
  ModelPackageVersion?: number;
  ModelPackageArn: string;
  ModelPackageDescription?: string;
  /** Epoch ms. */
  CreationTime: number;
  /** Epoch ms. */
  LastModifiedTime: number;
  InferenceSpecification?: InferenceSpecification;
  ModelApprovalStatus?: ModelApprovalStatus;
  CertifyForMarketplace?: boolean;
  Domain?: string;
  Task?: string;
  SamplePayloadUrl?: string;
  CustomerMetadataProperties?: Record<string, string>;
  Tags?: Tag[];
}

const APPROVAL = Object.values(ModelApprovalStatus);
/** `ModelPackageGroupName` of Describe/DeleteModelPackageGroup. */
const GROUP_NAME_OR_ARN: StringCheckOptions = {
  required: true,
  min: 1,
  max: 170,
  pattern: ARN_OR_NAME_PATTERN,
};
/** `ModelPackageName` of Describe/DeleteModelPackage. */
const PACKAGE_NAME_OR_ARN: StringCheckOptions = {
  required: true,
  min: 1,
  max: 176,
  pattern: VERSIONED_ARN_OR_NAME_PATTERN,
};
const INSTANCE_TYPES = Object.values(ProductionVariantInstanceType);

/** The group name in a group ARN or name (`…:model-package-group/<name>` or `<name>`). */
function groupNameOf(nameOrArn: string): string {
  const i = nameOrArn.lastIndexOf("/");
  return nameOrArn.startsWith("arn:") && i >= 0 ? nameOrArn.slice(i + 1) : nameOrArn;
}

function missingGroup(ctx: LocalContext, name: string): Error {
  return modelPackageGroupNotFound(sageMakerArn(ctx, { type: "model-package-group", name }));
}

/**
 * A stored model package group by name or ARN; throws SageMaker's `ValidationException` when
 * there is none.
 */
export function findModelPackageGroup(
  ctx: LocalContext,
  nameOrArn: string,
): ModelPackageGroupRecord {
  const name = groupNameOf(nameOrArn);
  const found = findByName<ModelPackageGroupRecord>(ctx.store, {
    kind: KIND.modelPackageGroup,
    name,
  });
  if (found === undefined) throw missingGroup(ctx, name);
  return found.doc;
}

function packageIdOf(
  ctx: LocalContext,
  nameOrArn: string,
): { group?: ModelPackageGroupRecord; id: string; display: string } | undefined {
  const rest = nameOrArn.startsWith("arn:")
    ? nameOrArn.slice(nameOrArn.indexOf(":model-package/") + ":model-package/".length)
    : nameOrArn;
  const versioned = /^(.+)\/(\d{1,9})$/.exec(rest);
  if (versioned) {
    const group = findByName<ModelPackageGroupRecord>(ctx.store, {
      kind: KIND.modelPackageGroup,
      name: versioned[1],
    });
    const display = sageMakerArn(ctx, {
      type: "model-package",
      name: `${versioned[1]}/${Number(versioned[2])}`,
    });
    if (group === undefined) return { id: "", display };
    return {
      group: group.doc,
      id: `${group.doc.ModelPackageGroupName}/${Number(versioned[2])}`,
      display,
    };
  }
  const found = findByName<ModelPackageRecord>(ctx.store, { kind: KIND.modelPackage, name: rest });
  return {
    id: found?.id ?? rest,
    display: sageMakerArn(ctx, { type: "model-package", name: rest }),
  };
}

/**
 * A stored model package by name, versioned name (`group/3`) or ARN; throws SageMaker's
 * `ValidationException` ("Could not find model package …") when there is none. The recommender
 * uses it to read a package's containers, payload URL and supported instance types.
 *
 * @example Usage
 * ```ts ignore
 * const pkg = findModelPackage(ctx, "arn:aws:sagemaker:us-east-1:000000000000:model-package/xgb/1");
 * console.log(pkg.InferenceSpecification?.Containers?.[0].ModelDataUrl);
 * ```
 */
export function findModelPackage(ctx: LocalContext, nameOrArn: string): ModelPackageRecord {
  const ref = packageIdOf(ctx, nameOrArn);
  const doc = ref && ref.id !== ""
    ? ctx.store.getDoc<ModelPackageRecord>(KIND.modelPackage, ref.id)
    : undefined;
  if (doc === undefined) {
    // Prefix matched by AWS's SageMaker Python SDK on DescribeModelPackage errors.
    throw modelPackageNotFound(ref?.display ?? nameOrArn);
  }
  return doc;
}

function checkInferenceSpecification(
  checks: InputChecks,
  spec: InferenceSpecification | undefined,
  unversioned: boolean,
): void {
  if (!checks.present(spec, "inferenceSpecification", unversioned)) return;
  const s = spec as InferenceSpecification;
  const path = "inferenceSpecification";
  if (checks.list(s.Containers, `${path}.containers`, { required: true, min: 1, max: 15 })) {
    s.Containers!.forEach((c, i) => {
      const p = `${path}.containers.${i + 1}.member`;
      checks.string(c?.ContainerHostname, `${p}.containerHostname`, { max: 63 });
      checks.string(c?.Image, `${p}.image`, { max: 255, pattern: IMAGE_PATTERN });
      checks.string(c?.ModelDataUrl, `${p}.modelDataUrl`, { max: 1024, pattern: URL_PATTERN });
      checks.string(c?.Framework, `${p}.framework`, { max: 1024 });
      checks.string(c?.FrameworkVersion, `${p}.frameworkVersion`, { min: 3, max: 10 });
      checks.string(c?.NearestModelName, `${p}.nearestModelName`, { max: 1024 });
    });
  }
  if (
    checks.list(
      s.SupportedRealtimeInferenceInstanceTypes,
      `${path}.supportedRealtimeInferenceInstanceTypes`,
      {
        required: unversioned,
      },
    )
  ) {
    s.SupportedRealtimeInferenceInstanceTypes!.forEach((t, i) =>
      checks.enumValue(
        t,
        `${path}.supportedRealtimeInferenceInstanceTypes.${i + 1}.member`,
        INSTANCE_TYPES,
      )
    );
  }
  if (checks.list(s.SupportedContentTypes, `${path}.supportedContentTypes`)) {
    s.SupportedContentTypes!.forEach((t, i) =>
      checks.string(t, `${path}.supportedContentTypes.${i + 1}.member`, {
        required: true,
        max: 256,
      })
    );
  }
  if (checks.list(s.SupportedResponseMIMETypes, `${path}.supportedResponseMIMETypes`)) {
    s.SupportedResponseMIMETypes!.forEach((t, i) =>
      checks.string(t, `${path}.supportedResponseMIMETypes.${i + 1}.member`, {
        required: true,
        max: 1024,
        pattern: MIME_PATTERN,
      })
    );
  }
}

function describeGroup(g: ModelPackageGroupRecord): DescribeModelPackageGroupOutput {
  return compact({
    ModelPackageGroupName: g.ModelPackageGroupName,
    ModelPackageGroupArn: g.ModelPackageGroupArn,
    ModelPackageGroupDescription: g.ModelPackageGroupDescription,
    CreationTime: new Date(g.CreationTime),
    CreatedBy: {},
    ModelPackageGroupStatus: "Completed",
  });
}

function describePackage(p: ModelPackageRecord): DescribeModelPackageOutput {
  return compact({
    ModelPackageName: p.ModelPackageName,
    ModelPackageGroupName: p.ModelPackageGroupName,
    ModelPackageVersion: p.ModelPackageVersion,
    ModelPackageArn: p.ModelPackageArn,
    ModelPackageDescription: p.ModelPackageDescription,
    CreationTime: new Date(p.CreationTime),
    InferenceSpecification: structuredClone(p.InferenceSpecification),
    ModelPackageStatus: "Completed",
    ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
    CertifyForMarketplace: p.CertifyForMarketplace ?? false,
    ModelApprovalStatus: p.ModelApprovalStatus,
    CreatedBy: {},
    LastModifiedTime: new Date(p.LastModifiedTime),
    Domain: p.Domain,
    Task: p.Task,
    SamplePayloadUrl: p.SamplePayloadUrl,
    CustomerMetadataProperties: p.CustomerMetadataProperties,
  }) as DescribeModelPackageOutput;
}

/** SageMaker model registry operations of the local backend. */
export const modelPackageHandlers: HandlerMap = {
  CreateModelPackageGroup(input: CreateModelPackageGroupInput, ctx: LocalContext) {
    const checks = new InputChecks();
    checks.string(input.ModelPackageGroupName, "modelPackageGroupName", {
      required: true,
      min: 1,
      max: NAME_MAX,
      pattern: NAME_PATTERN,
    });
    checks.string(input.ModelPackageGroupDescription, "modelPackageGroupDescription", {
      max: 1024,
    });
    checks.tags(input.Tags);
    checks.done();
    const name = input.ModelPackageGroupName!;
    const arn = sageMakerArn(ctx, { type: "model-package-group", name });
    return ctx.store.tx(() => {
      if (findByName(ctx.store, { kind: KIND.modelPackageGroup, name }) !== undefined) {
        throw modelPackageGroupExists(arn);
      }
      const record: ModelPackageGroupRecord = compact({
        ModelPackageGroupName: name,
        ModelPackageGroupArn: arn,
        ModelPackageGroupDescription: input.ModelPackageGroupDescription,
        CreationTime: ctx.store.now(),
        Tags: input.Tags,
        latestVersion: 0,
      });
      ctx.store.putDoc(KIND.modelPackageGroup, name, record);
      return { ModelPackageGroupArn: arn };
    });
  },

  DescribeModelPackageGroup(input: DescribeModelPackageGroupInput, ctx: LocalContext) {
    checkString(input.ModelPackageGroupName, "modelPackageGroupName", GROUP_NAME_OR_ARN);
    return describeGroup(findModelPackageGroup(ctx, input.ModelPackageGroupName!));
  },

  DeleteModelPackageGroup(input: DeleteModelPackageGroupInput, ctx: LocalContext) {
    checkString(input.ModelPackageGroupName, "modelPackageGroupName", GROUP_NAME_OR_ARN);
    return ctx.store.tx(() => {
      const group = findModelPackageGroup(ctx, input.ModelPackageGroupName!);
      const versions = ctx.store.listDocs(KIND.modelPackage, `${group.ModelPackageGroupName}/`);
      if (versions.length > 0) {
        throw modelPackageGroupNotEmpty(group.ModelPackageGroupArn, versions.length);
      }
      ctx.store.deleteDoc(KIND.modelPackageGroup, group.ModelPackageGroupName);
      return {};
    });
  },

  ListModelPackageGroups(input: ListModelPackageGroupsInput, ctx: LocalContext) {
    const groups = ctx.store.listDocs<ModelPackageGroupRecord>(KIND.modelPackageGroup).map((
      d,
    ) => ({ name: d.doc.ModelPackageGroupName, creationTime: d.doc.CreationTime, doc: d.doc }));
    const page = listPage(groups, input, {
      operation: "ListModelPackageGroups",
      sortKeys: ["Name", "CreationTime"],
      // API reference: "The sort order for results. The default is Ascending."
      defaultOrder: "Ascending",
    });
    const out: ListModelPackageGroupsOutput = {
      ModelPackageGroupSummaryList: page.items.map((g) =>
        compact({
          ModelPackageGroupName: g.doc.ModelPackageGroupName,
          ModelPackageGroupArn: g.doc.ModelPackageGroupArn,
          ModelPackageGroupDescription: g.doc.ModelPackageGroupDescription,
          CreationTime: new Date(g.doc.CreationTime),
          ModelPackageGroupStatus: "Completed" as const,
        })
      ),
    };
    if (page.nextToken) out.NextToken = page.nextToken;
    return out;
  },

  CreateModelPackage(input: CreateModelPackageInput, ctx: LocalContext) {
    const checks = new InputChecks();
    checks.string(input.ModelPackageName, "modelPackageName", {
      min: 1,
      max: NAME_MAX,
      pattern: NAME_PATTERN,
    });
    checks.string(input.ModelPackageGroupName, "modelPackageGroupName", {
      min: 1,
      max: 170,
      pattern: ARN_OR_NAME_PATTERN,
    });
    checks.string(input.ModelPackageDescription, "modelPackageDescription", { max: 1024 });
    checks.enumValue(input.ModelApprovalStatus, "modelApprovalStatus", APPROVAL);
    checks.string(input.SamplePayloadUrl, "samplePayloadUrl", { max: 1024, pattern: URL_PATTERN });
    checks.string(input.Domain, "domain", { max: 1024 });
    checks.string(input.Task, "task", { max: 1024 });
    checks.tags(input.Tags);
    const unversioned = input.ModelPackageGroupName === undefined;
    checkInferenceSpecification(
      checks,
      input.InferenceSpecification,
      unversioned && input.ModelPackageName !== undefined,
    );
    checks.done();
    if (input.ModelPackageName !== undefined && input.ModelPackageGroupName !== undefined) {
      throw bothPackageNames();
    }
    if (input.ModelPackageName === undefined && input.ModelPackageGroupName === undefined) {
      throw noPackageName();
    }
    if (unversioned && input.ModelApprovalStatus !== undefined) {
      // API reference: ModelApprovalStatus "does not apply to unversioned models".
      throw approvalOfUnversionedPackage();
    }
    const now = ctx.store.now();
    const common = {
      ModelPackageDescription: input.ModelPackageDescription,
      CreationTime: now,
      LastModifiedTime: now,
      InferenceSpecification: structuredClone(input.InferenceSpecification),
      CertifyForMarketplace: input.CertifyForMarketplace,
      Domain: input.Domain,
      Task: input.Task,
      SamplePayloadUrl: input.SamplePayloadUrl,
      CustomerMetadataProperties: input.CustomerMetadataProperties,
      Tags: input.Tags,
    };
    return ctx.store.tx(() => {
      if (unversioned) {
        const name = input.ModelPackageName!;
        const arn = sageMakerArn(ctx, { type: "model-package", name });
        if (findByName(ctx.store, { kind: KIND.modelPackage, name }) !== undefined) {
          throw modelPackageExists(arn);
        }
        const record: ModelPackageRecord = compact({
          ModelPackageName: name,
          ModelPackageArn: arn,
          ...common,
        });
        ctx.store.putDoc(KIND.modelPackage, name, record);
        return { ModelPackageArn: arn };
      }
      const group = findModelPackageGroup(ctx, input.ModelPackageGroupName!);
      const version = group.latestVersion + 1;
      const groupName = group.ModelPackageGroupName;
      const arn = sageMakerArn(ctx, { type: "model-package", name: `${groupName}/${version}` });
      const record: ModelPackageRecord = compact({
        ModelPackageName: groupName,
        ModelPackageGroupName: groupName,
        ModelPackageVersion: version,
        ModelPackageArn: arn,
        // Versioned packages without a status start as PendingManualApproval.
        ModelApprovalStatus: input.ModelApprovalStatus ?? "PendingManualApproval",
        ...common,
      });
      ctx.store.putDoc(KIND.modelPackage, `${groupName}/${version}`, record);
      ctx.store.putDoc(KIND.modelPackageGroup, groupName, { ...group, latestVersion: version });
      return { ModelPackageArn: arn };
    });
  },

  DescribeModelPackage(input: DescribeModelPackageInput, ctx: LocalContext) {
    checkString(input.ModelPackageName, "modelPackageName", PACKAGE_NAME_OR_ARN);
    return describePackage(findModelPackage(ctx, input.ModelPackageName!));
  },

  DeleteModelPackage(input: DeleteModelPackageInput, ctx: LocalContext) {
    checkString(input.ModelPackageName, "modelPackageName", PACKAGE_NAME_OR_ARN);
    return ctx.store.tx(() => {
      const pkg = findModelPackage(ctx, input.ModelPackageName!);
      const id = pkg.ModelPackageVersion === undefined
        ? findByName(ctx.store, { kind: KIND.modelPackage, name: pkg.ModelPackageName })!.id
        : `${pkg.ModelPackageGroupName}/${pkg.ModelPackageVersion}`;
      ctx.store.deleteDoc(KIND.modelPackage, id);
      return {};
    });
  },

  ListModelPackages(input: ListModelPackagesInput, ctx: LocalContext) {
    const checks = new InputChecks();
    checks.enumValue(input.ModelApprovalStatus, "modelApprovalStatus", APPROVAL);
    checks.enumValue(input.ModelPackageType, "modelPackageType", [
      "Versioned",
      "Unversioned",
      "Both",
    ]);
    checks.string(input.ModelPackageGroupName, "modelPackageGroupName", {
      min: 1,
      max: 170,
      pattern: ARN_OR_NAME_PATTERN,
    });
    checks.done();
    // API reference: without ModelPackageType only unversioned packages are listed; a
    // ModelPackageGroupName filter lists that group's versions (observed use of
    // list_model_packages(ModelPackageGroupName=...) in public cleanup code).
    const group = input.ModelPackageGroupName === undefined
      ? undefined
      : groupNameOf(input.ModelPackageGroupName).toLowerCase();
    const type = input.ModelPackageType ?? (group === undefined ? "Unversioned" : "Versioned");
    const packages = ctx.store.listDocs<ModelPackageRecord>(KIND.modelPackage)
      .map((d) => d.doc)
      .filter((p) =>
        (type === "Both" || (type === "Versioned") === (p.ModelPackageVersion !== undefined)) &&
        (group === undefined || p.ModelPackageGroupName?.toLowerCase() === group) &&
        (input.ModelApprovalStatus === undefined ||
          p.ModelApprovalStatus === input.ModelApprovalStatus)
      )
      .map((p) => ({ name: p.ModelPackageName, creationTime: p.CreationTime, doc: p }));
    const page = listPage(packages, input, {
      operation: "ListModelPackages",
      sortKeys: ["Name", "CreationTime"],
      // API reference: "The sort order for the results. The default is Ascending."
      defaultOrder: "Ascending",
    });
    const out: ListModelPackagesOutput = {
      ModelPackageSummaryList: page.items.map(({ doc: p }) =>
        compact({
          // Versioned summaries carry no ModelPackageName (aws/sagemaker-python-sdk#5606).
          ModelPackageName: p.ModelPackageVersion === undefined ? p.ModelPackageName : undefined,
          ModelPackageGroupName: p.ModelPackageGroupName,
          ModelPackageVersion: p.ModelPackageVersion,
          ModelPackageArn: p.ModelPackageArn,
          ModelPackageDescription: p.ModelPackageDescription,
          CreationTime: new Date(p.CreationTime),
          ModelPackageStatus: "Completed" as const,
          ModelApprovalStatus: p.ModelApprovalStatus,
        })
      ),
    };
    if (page.nextToken) out.NextToken = page.nextToken;
    return out;
  },
};
