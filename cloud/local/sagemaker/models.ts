/**
 * Local SageMaker models: CreateModel, DescribeModel, DeleteModel, ListModels.
 *
 * SageMaker answers missing models and duplicates with `ValidationException`; the wording of
 * each error and its source are in `messages.ts`.
 *
 * @module
 */
import type {
  ContainerDefinition,
  CreateModelInput,
  DeleteModelInput,
  DescribeModelInput,
  DescribeModelOutput,
  ListModelsInput,
  ListModelsOutput,
  Tag,
} from "@aws-sdk/client-sagemaker";
import type { LocalContext } from "../kernel/context.ts";
import { KIND } from "./records.ts";
import { localObjectExists } from "../s3/mod.ts";
import { listPage } from "./list.ts";
import {
  containerWithoutImage,
  modelDataNotFound,
  modelExists,
  modelNotFound,
  notOneContainerSpec,
} from "./messages.ts";
import { findModelPackage } from "./packages.ts";
import {
  checkString,
  compact,
  findByName,
  IMAGE_PATTERN,
  InputChecks,
  REQUIRED_NAME,
  ROLE_ARN_PATTERN,
  sageMakerArn,
  URL_PATTERN,
  VERSIONED_ARN_OR_NAME_PATTERN,
} from "./validation.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";

/** A stored model (the CreateModel request as given, plus identity and time). */
export interface ModelRecord {
  ModelName: string;
  ModelArn: string;
  /** Epoch ms. */
  CreationTime: number;
  PrimaryContainer?: ContainerDefinition;
  Containers?: ContainerDefinition[];
  ExecutionRoleArn?: string;
  EnableNetworkIsolation?: boolean;
  Tags?: Tag[];
}

/** Where a model's primary container comes from: its image and model data URL. */
export interface PrimaryContainerRef {
  /** Container image ("" when neither the container nor its model package names one). */
  image: string;
  /** Model artifact URL ("" when there is none). */
  modelDataUrl: string;
}

/**
 * A stored model by name (case-insensitive); throws SageMaker's `ValidationException`
 * "Could not find model "<arn>"." when there is none.
 */
export function findModel(ctx: LocalContext, name: string): ModelRecord {
  const found = findByName<ModelRecord>(ctx.store, { kind: KIND.model, name });
  if (found === undefined) {
    throw modelNotFound(sageMakerArn(ctx, { type: "model", name }));
  }
  return found.doc;
}

/**
 * The image and model data URL of a model's primary container (`PrimaryContainer`, else the
 * first of `Containers`); a container that names a model package takes them from the package's
 * first container. This is what the capacity profile of an endpoint variant is keyed by.
 */
export function modelPrimaryContainer(ctx: LocalContext, model: ModelRecord): PrimaryContainerRef {
  const c = model.PrimaryContainer ?? model.Containers?.[0];
  let image = c?.Image ?? "";
  let modelDataUrl = c?.ModelDataUrl ?? c?.ModelDataSource?.S3DataSource?.S3Uri ?? "";
  if (c?.ModelPackageName !== undefined) {
    const pc = findModelPackage(ctx, c.ModelPackageName).InferenceSpecification?.Containers?.[0];
    image ||= pc?.Image ?? "";
    modelDataUrl ||= pc?.ModelDataUrl ?? "";
  }
  return { image, modelDataUrl };
}

function checkContainer(checks: InputChecks, c: ContainerDefinition | undefined, path: string) {
  if (!checks.present(c, path, true)) return;
  const container = c as ContainerDefinition;
  checks.string(container.ContainerHostname, `${path}.containerHostname`, {
    max: 63,
    pattern: "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
  });
  checks.string(container.Image, `${path}.image`, { max: 255, pattern: IMAGE_PATTERN });
  checks.enumValue(container.Mode, `${path}.mode`, ["SingleModel", "MultiModel"]);
  checks.string(container.ModelDataUrl, `${path}.modelDataUrl`, {
    max: 1024,
    pattern: URL_PATTERN,
  });
  checks.string(container.ModelPackageName, `${path}.modelPackageName`, {
    min: 1,
    max: 176,
    pattern: VERSIONED_ARN_OR_NAME_PATTERN,
  });
  const env = container.Environment;
  if (env !== undefined) {
    const entries = Object.entries(env);
    if (entries.length > 100) {
      checks.add(
        `{${entries.length} entries}`,
        `${path}.environment`,
        "Member must have length less than or equal to 100",
      );
    }
    for (const [k, v] of entries) {
      checks.string(k, `${path}.environment`, { max: 1024, pattern: "[a-zA-Z_][a-zA-Z0-9_]*" });
      checks.string(v, `${path}.environment`, { max: 1024 });
    }
  }
}

/** SageMaker model operations of the local backend. */
export const modelHandlers: HandlerMap = {
  CreateModel(input: CreateModelInput, ctx: LocalContext) {
    const checks = new InputChecks();
    checks.string(input.ModelName, "modelName", REQUIRED_NAME);
    checks.string(input.ExecutionRoleArn, "executionRoleArn", {
      min: 20,
      max: 2048,
      pattern: ROLE_ARN_PATTERN,
    });
    if (input.PrimaryContainer !== undefined) {
      checkContainer(checks, input.PrimaryContainer, "primaryContainer");
    }
    if (checks.list(input.Containers, "containers", { max: 15 })) {
      input.Containers!.forEach((c, i) => checkContainer(checks, c, `containers.${i + 1}.member`));
    }
    checks.tags(input.Tags);
    checks.done();
    if ((input.PrimaryContainer === undefined) === (input.Containers === undefined)) {
      throw notOneContainerSpec();
    }
    const name = input.ModelName!;
    const arn = sageMakerArn(ctx, { type: "model", name });
    return ctx.store.tx(() => {
      if (findByName(ctx.store, { kind: KIND.model, name }) !== undefined) {
        throw modelExists(arn);
      }
      for (const c of input.Containers ?? [input.PrimaryContainer!]) {
        if (c.ModelPackageName !== undefined) findModelPackage(ctx, c.ModelPackageName);
        if (c.Image === undefined && c.ModelPackageName === undefined) {
          throw containerWithoutImage();
        }
        // CreateModel verifies the artifact exists ("Could not find model data at s3://...").
        if (c.ModelDataUrl?.startsWith("s3://") && !localObjectExists(ctx, c.ModelDataUrl)) {
          throw modelDataNotFound(c.ModelDataUrl);
        }
      }
      const record: ModelRecord = compact({
        ModelName: name,
        ModelArn: arn,
        CreationTime: ctx.store.now(),
        PrimaryContainer: structuredClone(input.PrimaryContainer),
        Containers: structuredClone(input.Containers),
        ExecutionRoleArn: input.ExecutionRoleArn,
        EnableNetworkIsolation: input.EnableNetworkIsolation,
        Tags: input.Tags,
      });
      ctx.store.putDoc(KIND.model, name, record);
      return { ModelArn: arn };
    });
  },

  DescribeModel(input: DescribeModelInput, ctx: LocalContext) {
    checkString(input.ModelName, "modelName", REQUIRED_NAME);
    const m = findModel(ctx, input.ModelName!);
    const out: DescribeModelOutput = compact({
      ModelName: m.ModelName,
      PrimaryContainer: structuredClone(m.PrimaryContainer),
      Containers: structuredClone(m.Containers),
      ExecutionRoleArn: m.ExecutionRoleArn,
      CreationTime: new Date(m.CreationTime),
      ModelArn: m.ModelArn,
      EnableNetworkIsolation: m.EnableNetworkIsolation ?? false,
    });
    return out;
  },

  DeleteModel(input: DeleteModelInput, ctx: LocalContext) {
    checkString(input.ModelName, "modelName", REQUIRED_NAME);
    return ctx.store.tx(() => {
      const m = findModel(ctx, input.ModelName!);
      // Deleting a model that an endpoint config or endpoint uses is allowed on AWS: the
      // endpoint keeps running; only new configs/endpoints referring to it fail.
      ctx.store.deleteDoc(KIND.model, m.ModelName);
      return {};
    });
  },

  ListModels(input: ListModelsInput, ctx: LocalContext) {
    const models = ctx.store.listDocs<ModelRecord>(KIND.model).map((d) => ({
      name: d.doc.ModelName,
      creationTime: d.doc.CreationTime,
      doc: d.doc,
    }));
    const page = listPage(models, input, {
      operation: "ListModels",
      sortKeys: ["Name", "CreationTime"],
      defaultOrder: "Descending",
    });
    const out: ListModelsOutput = {
      Models: page.items.map(({ doc }) => ({
        ModelName: doc.ModelName,
        ModelArn: doc.ModelArn,
        CreationTime: new Date(doc.CreationTime),
      })),
    };
    if (page.nextToken) out.NextToken = page.nextToken;
    return out;
  },
};
