/**
 * Local SageMaker endpoint configurations: Create/Describe/Delete/ListEndpointConfig(s).
 *
 * Error facts: a missing configuration is `ValidationException` "Could not find endpoint
 * configuration \"<arn>\"." (aws/amazon-sagemaker-examples#2339, and the prefix AWS's Kubernetes
 * operator matches for Describe/DeleteEndpointConfig); a duplicate is "Cannot create already
 * existing endpoint configuration \"<arn>\"." (awslabs/spot-tagging-bot-for-digital-assets#2);
 * CreateEndpointConfig refers to models that must exist ("Could not find model ...").
 * Deleting a configuration that an endpoint uses is allowed: the DeleteEndpointConfig reference
 * warns that you then "may lose visibility into the instance type the endpoint is using".
 *
 * @module
 */
import {
  type CreateEndpointConfigInput,
  type DeleteEndpointConfigInput,
  type DescribeEndpointConfigInput,
  type DescribeEndpointConfigOutput,
  type ListEndpointConfigsInput,
  type ListEndpointConfigsOutput,
  type ProductionVariant,
  ProductionVariantInstanceType,
  type Tag,
} from "@aws-sdk/client-sagemaker";
import type { LocalContext } from "../kernel/context.ts";
import { KIND } from "./records.ts";
import { listPage } from "./list.ts";
import { findModel } from "./models.ts";
import {
  checkString,
  compact,
  findByName,
  InputChecks,
  NAME,
  REQUIRED_NAME,
  sageMakerArn,
  validationError,
} from "./validation.ts";
import type { HandlerMap } from "../kernel/dispatch.ts";

/** A stored endpoint configuration. */
export interface EndpointConfigRecord {
  EndpointConfigName: string;
  EndpointConfigArn: string;
  /** Variants with `InitialVariantWeight` defaulted to 1.0 as SageMaker does. */
  ProductionVariants: ProductionVariant[];
  KmsKeyId?: string;
  /** Epoch ms. */
  CreationTime: number;
  Tags?: Tag[];
}

const INSTANCE_TYPES = Object.values(ProductionVariantInstanceType);

/**
 * A stored endpoint configuration by name (case-insensitive); throws SageMaker's
 * `ValidationException` "Could not find endpoint configuration "<arn>"." when there is none.
 */
export function findEndpointConfig(ctx: LocalContext, name: string): EndpointConfigRecord {
  const found = findByName<EndpointConfigRecord>(ctx.store, { kind: KIND.endpointConfig, name });
  if (found === undefined) {
    throw validationError(
      `Could not find endpoint configuration "${
        sageMakerArn(ctx, { type: "endpoint-config", name })
      }".`,
    );
  }
  return found.doc;
}

/** SageMaker endpoint configuration operations of the local backend. */
export const endpointConfigHandlers: HandlerMap = {
  CreateEndpointConfig(input: CreateEndpointConfigInput, ctx: LocalContext) {
    const checks = new InputChecks();
    checks.string(input.EndpointConfigName, "endpointConfigName", REQUIRED_NAME);
    checks.string(input.KmsKeyId, "kmsKeyId", { max: 2048 });
    if (
      checks.list(input.ProductionVariants, "productionVariants", {
        required: true,
        min: 1,
        max: 10,
      })
    ) {
      input.ProductionVariants!.forEach((v, i) => {
        const p = `productionVariants.${i + 1}.member`;
        checks.string(v?.VariantName, `${p}.variantName`, REQUIRED_NAME);
        checks.string(v?.ModelName, `${p}.modelName`, NAME);
        checks.number(v?.InitialInstanceCount, `${p}.initialInstanceCount`, {
          min: 1,
          integer: true,
        });
        checks.enumValue(v?.InstanceType, `${p}.instanceType`, INSTANCE_TYPES);
        checks.number(v?.InitialVariantWeight, `${p}.initialVariantWeight`, { min: 0 });
      });
    }
    checks.tags(input.Tags);
    checks.done();
    const variants = input.ProductionVariants!;
    const seen = new Set<string>();
    for (const v of variants) {
      const key = v.VariantName!.toLowerCase();
      if (seen.has(key)) {
        throw validationError(
          `Cannot create endpoint configuration with duplicate variant name "${v.VariantName}": give each production variant its own VariantName`,
        );
      }
      seen.add(key);
      if (v.ServerlessConfig !== undefined) {
        throw validationError(
          `The local backend does not simulate serverless variants (variant "${v.VariantName}"): give InstanceType and InitialInstanceCount, or run with --backend aws`,
        );
      }
      if (
        v.ModelName === undefined || v.InstanceType === undefined ||
        v.InitialInstanceCount === undefined
      ) {
        throw validationError(
          `Variant "${v.VariantName}" needs ModelName, InstanceType and InitialInstanceCount for an instance-based endpoint`,
        );
      }
    }
    const name = input.EndpointConfigName!;
    const arn = sageMakerArn(ctx, { type: "endpoint-config", name });
    return ctx.store.tx(() => {
      if (findByName(ctx.store, { kind: KIND.endpointConfig, name }) !== undefined) {
        throw validationError(`Cannot create already existing endpoint configuration "${arn}".`);
      }
      for (const v of variants) findModel(ctx, v.ModelName!);
      const record: EndpointConfigRecord = compact({
        EndpointConfigName: name,
        EndpointConfigArn: arn,
        ProductionVariants: variants.map((v) =>
          compact({ ...structuredClone(v), InitialVariantWeight: v.InitialVariantWeight ?? 1 })
        ),
        KmsKeyId: input.KmsKeyId,
        CreationTime: ctx.store.now(),
        Tags: input.Tags,
      });
      ctx.store.putDoc(KIND.endpointConfig, name, record);
      return { EndpointConfigArn: arn };
    });
  },

  DescribeEndpointConfig(input: DescribeEndpointConfigInput, ctx: LocalContext) {
    checkString(input.EndpointConfigName, "endpointConfigName", REQUIRED_NAME);
    const c = findEndpointConfig(ctx, input.EndpointConfigName!);
    const out: DescribeEndpointConfigOutput = compact({
      EndpointConfigName: c.EndpointConfigName,
      EndpointConfigArn: c.EndpointConfigArn,
      ProductionVariants: structuredClone(c.ProductionVariants),
      KmsKeyId: c.KmsKeyId,
      CreationTime: new Date(c.CreationTime),
    });
    return out;
  },

  DeleteEndpointConfig(input: DeleteEndpointConfigInput, ctx: LocalContext) {
    checkString(input.EndpointConfigName, "endpointConfigName", REQUIRED_NAME);
    return ctx.store.tx(() => {
      const c = findEndpointConfig(ctx, input.EndpointConfigName!);
      ctx.store.deleteDoc(KIND.endpointConfig, c.EndpointConfigName);
      return {};
    });
  },

  ListEndpointConfigs(input: ListEndpointConfigsInput, ctx: LocalContext) {
    const configs = ctx.store.listDocs<EndpointConfigRecord>(KIND.endpointConfig).map((d) => ({
      name: d.doc.EndpointConfigName,
      creationTime: d.doc.CreationTime,
      doc: d.doc,
    }));
    const page = listPage(configs, input, {
      operation: "ListEndpointConfigs",
      sortKeys: ["Name", "CreationTime"],
      defaultOrder: "Descending",
    });
    const out: ListEndpointConfigsOutput = {
      EndpointConfigs: page.items.map(({ doc }) => ({
        EndpointConfigName: doc.EndpointConfigName,
        EndpointConfigArn: doc.EndpointConfigArn,
        CreationTime: new Date(doc.CreationTime),
      })),
    };
    if (page.nextToken) out.NextToken = page.nextToken;
    return out;
  },
};
