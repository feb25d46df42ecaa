/**
 * Cross-reference checks the schema alone cannot express: references to undefined signals,
 * models and LoRA adapters, complexity levels, duplicate names, empty model lists, invalid
 * patterns. These are the checks the reference router's users asked for (its issues #2114,
 * #2324).
 *
 * @module
 */
import { didYouMean } from './did-you-mean.js';
import type {
  RouterConfig,
  RoutingConfig,
  RuleCondition,
  RuleLeaf,
  SignalsConfig,
} from './router-config-schema.js';
import { SIGNAL_CONTAINERS } from './router-config-schema.js';

/** A config path as an array of keys and indices. */
export type ConfigPath = readonly (string | number)[];

export interface SemanticIssue {
  readonly path: ConfigPath;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export const COMPLEXITY_LEVELS = ['easy', 'medium', 'hard'] as const;

/** Presidio entity names (the reference PII model's label set) plus pattern-only types. */
export const KNOWN_PII_TYPES = [
  'PERSON',
  'STREET_ADDRESS',
  'GPE',
  'ORGANIZATION',
  'DATE_TIME',
  'CREDIT_CARD',
  'TITLE',
  'PHONE_NUMBER',
  'AGE',
  'NRP',
  'EMAIL_ADDRESS',
  'ZIP_CODE',
  'DOMAIN_NAME',
  'US_SSN',
  'IP_ADDRESS',
  'IBAN_CODE',
  'US_DRIVER_LICENSE',
  'URL',
  'MAC_ADDRESS',
  'LOCATION',
  'US_BANK_NUMBER',
  'US_PASSPORT',
  'CRYPTO',
] as const;

type LeafType = (typeof SIGNAL_CONTAINERS)[keyof typeof SIGNAL_CONTAINERS] | 'projection';

const LEAF_TYPES: readonly LeafType[] = [...Object.values(SIGNAL_CONTAINERS), 'projection'];

/** Names defined per leaf type in one routing block. */
export function signalNamesByType(routing: RoutingConfig): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  for (const [container, type] of Object.entries(SIGNAL_CONTAINERS)) {
    const entries = routing.signals[container as keyof SignalsConfig] as readonly { name: string }[];
    names.set(type, new Set(entries.map((entry) => entry.name)));
  }
  const projectionNames = new Set<string>();
  for (const partition of routing.projections.partitions) projectionNames.add(partition.name);
  for (const score of routing.projections.scores) projectionNames.add(score.name);
  for (const mapping of routing.projections.mappings)
    for (const output of mapping.outputs) projectionNames.add(output.name);
  names.set('projection', projectionNames);
  return names;
}

function isLeaf(condition: RuleCondition): condition is RuleLeaf {
  return !('operator' in condition);
}

function checkDuplicates(
  issues: SemanticIssue[],
  items: readonly { name: string }[],
  path: ConfigPath,
  what: string,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const first = seen.get(item.name);
    if (first !== undefined) {
      issues.push({
        path: [...path, index, 'name'],
        message: `duplicate ${what} name "${item.name}" (first defined at index ${first})`,
        severity: 'error',
      });
    } else {
      seen.set(item.name, index);
    }
  });
}

function checkRoutingBlock(
  issues: SemanticIssue[],
  config: RouterConfig,
  routing: RoutingConfig,
  base: ConfigPath,
): void {
  const names = signalNamesByType(routing);

  for (const container of Object.keys(SIGNAL_CONTAINERS) as (keyof SignalsConfig)[]) {
    const entries = routing.signals[container] as readonly { name: string }[];
    checkDuplicates(
      issues,
      entries,
      [...base, 'signals', container],
      `${SIGNAL_CONTAINERS[container]} signal`,
    );
  }
  checkDuplicates(issues, routing.decisions, [...base, 'decisions'], 'decision');
  checkDuplicates(issues, routing.modelCards, [...base, 'modelCards'], 'modelCard');
  routing.modelCards.forEach((card, index) => {
    checkDuplicates(issues, card.loras, [...base, 'modelCards', index, 'loras'], 'LoRA');
  });

  routing.signals.keywords.forEach((signal, index) => {
    if (signal.method !== 'regex') return;
    signal.keywords.forEach((pattern, keywordIndex) => {
      try {
        new RegExp(pattern, signal.case_sensitive ? 'u' : 'iu');
      } catch (error) {
        issues.push({
          path: [...base, 'signals', 'keywords', index, 'keywords', keywordIndex],
          message: `invalid regular expression: ${(error as Error).message}`,
          severity: 'error',
        });
      }
    });
  });
  routing.signals.structure.forEach((signal, index) => {
    const source = signal.feature.source;
    const sourcePath = [...base, 'signals', 'structure', index, 'feature', 'source'];
    if (source.type === 'regex') {
      if (!source.pattern)
        issues.push({
          path: [...sourcePath, 'pattern'],
          message: 'a regex source needs a pattern',
          severity: 'error',
        });
      else {
        try {
          new RegExp(source.pattern, 'u');
        } catch (error) {
          issues.push({
            path: [...sourcePath, 'pattern'],
            message: `invalid regular expression: ${(error as Error).message}`,
            severity: 'error',
          });
        }
      }
    }
    if (source.type === 'keyword_set' && !source.keywords?.length)
      issues.push({
        path: [...sourcePath, 'keywords'],
        message: 'a keyword_set source needs keywords',
        severity: 'error',
      });
    if (source.type === 'sequence' && !source.sequences?.length)
      issues.push({
        path: [...sourcePath, 'sequences'],
        message: 'a sequence source needs sequences',
        severity: 'error',
      });
  });
  routing.signals.pii.forEach((signal, index) => {
    signal.pii_types_allowed.forEach((type, typeIndex) => {
      if (!(KNOWN_PII_TYPES as readonly string[]).includes(type)) {
        issues.push({
          path: [...base, 'signals', 'pii', index, 'pii_types_allowed', typeIndex],
          message: `unknown PII type "${type}"${didYouMean(type, KNOWN_PII_TYPES)}`,
          severity: 'warning',
        });
      }
    });
  });
  routing.signals.complexity.forEach((signal, index) => {
    if (signal.hard.candidates.length === 0 || signal.easy.candidates.length === 0) {
      issues.push({
        path: [...base, 'signals', 'complexity', index],
        message: 'complexity needs both hard.candidates and easy.candidates',
        severity: 'error',
      });
    }
    if (signal.composer !== undefined)
      checkComposer(issues, signal.composer, [...base, 'signals', 'complexity', index, 'composer'], names);
  });

  const modelNames = new Set(config.providers.models.map((model) => model.name));
  routing.signals.classifiers.forEach((signal, index) => {
    const path = [...base, 'signals', 'classifiers', index];
    if (signal.type !== 'llm') return;
    if (signal.model === undefined)
      issues.push({
        path: [...path, 'model'],
        message: 'type llm needs `model`: the name of a model under providers.models to ask',
        severity: 'error',
      });
    else if (!modelNames.has(signal.model))
      issues.push({
        path: [...path, 'model'],
        message: `unknown model "${signal.model}"${didYouMean(signal.model, modelNames)}: type llm asks a model under providers.models`,
        severity: 'error',
      });
    if (signal.labels.length === 0)
      issues.push({
        path: [...path, 'labels'],
        message: 'type llm needs at least one label for the model to choose from',
        severity: 'error',
      });
  });
  const cardsByName = new Map(routing.modelCards.map((card) => [card.name, card]));
  const knownModels = new Set([...modelNames, ...cardsByName.keys()]);

  routing.decisions.forEach((decision, decisionIndex) => {
    const decisionPath = [...base, 'decisions', decisionIndex];
    checkRule(issues, decision.rules, [...decisionPath, 'rules'], names);

    const blocks = decision.plugins.some((plugin) => plugin.type === 'fast_response');
    if (decision.modelRefs.length === 0 && !blocks) {
      issues.push({
        path: [...decisionPath, 'modelRefs'],
        message: `decision "${decision.name}" has an empty model list: add a modelRef or a fast_response plugin`,
        severity: 'error',
      });
    }
    decision.modelRefs.forEach((ref, refIndex) => {
      const refPath = [...decisionPath, 'modelRefs', refIndex];
      if (!knownModels.has(ref.model)) {
        issues.push({
          path: [...refPath, 'model'],
          message: `unknown model "${ref.model}"${didYouMean(ref.model, knownModels)}; define it in providers.models`,
          severity: 'error',
        });
        return;
      }
      if (!modelNames.has(ref.model)) {
        issues.push({
          path: [...refPath, 'model'],
          message: `model "${ref.model}" has a modelCard but no providers.models entry to send traffic to`,
          severity: 'error',
        });
      }
      if (ref.lora_name !== undefined) {
        const loras = cardsByName.get(ref.model)?.loras.map((lora) => lora.name) ?? [];
        if (!loras.includes(ref.lora_name)) {
          issues.push({
            path: [...refPath, 'lora_name'],
            message: `unknown LoRA adapter "${ref.lora_name}" for model "${ref.model}"${didYouMean(ref.lora_name, loras)}; declare it in routing.modelCards[name=${ref.model}].loras`,
            severity: 'error',
          });
        }
      }
    });
    const seenPlugins = new Set<string>();
    decision.plugins.forEach((plugin, pluginIndex) => {
      if (seenPlugins.has(plugin.type))
        issues.push({
          path: [...decisionPath, 'plugins', pluginIndex, 'type'],
          message: `plugin "${plugin.type}" appears twice in decision "${decision.name}"`,
          severity: 'error',
        });
      seenPlugins.add(plugin.type);
    });
  });
}

/** Families a composer may not reference: they are computed from (filtered) signal results. */
const COMPOSER_EXCLUDED_TYPES: ReadonlySet<string> = new Set(['complexity', 'projection']);

function checkComposer(
  issues: SemanticIssue[],
  condition: RuleCondition,
  path: ConfigPath,
  names: Map<string, Set<string>>,
): void {
  let found = false;
  const excluded = (node: RuleCondition, nodePath: ConfigPath): void => {
    if (!isLeaf(node)) {
      for (const [index, child] of node.conditions.entries())
        excluded(child, [...nodePath, 'conditions', index]);
      return;
    }
    if (!COMPOSER_EXCLUDED_TYPES.has(node.type)) return;
    found = true;
    issues.push({
      path: [...nodePath, 'type'],
      message: `a complexity composer cannot reference ${node.type} signals: composers run after the other signals and before projections`,
      severity: 'error',
    });
  };
  excluded(condition, path);
  // The reference errors above say what is wrong; checkRule would only add noise about them.
  if (!found) checkRule(issues, condition, path, names);
}

function checkRule(
  issues: SemanticIssue[],
  condition: RuleCondition,
  path: ConfigPath,
  names: Map<string, Set<string>>,
): void {
  if (!isLeaf(condition)) {
    if (condition.operator === 'NOT' && condition.conditions.length !== 1) {
      issues.push({
        path: [...path, 'conditions'],
        message: `NOT takes exactly one condition, found ${condition.conditions.length}`,
        severity: 'error',
      });
    }
    if (condition.operator === 'OR' && condition.conditions.length === 0) {
      issues.push({
        path: [...path, 'conditions'],
        message: 'OR with no conditions never matches',
        severity: 'warning',
      });
    }
    condition.conditions.forEach((child, index) => {
      checkRule(issues, child, [...path, 'conditions', index], names);
    });
    return;
  }
  if (!(LEAF_TYPES as readonly string[]).includes(condition.type)) {
    issues.push({
      path: [...path, 'type'],
      message: `unknown signal type "${condition.type}"${didYouMean(condition.type, LEAF_TYPES)}`,
      severity: 'error',
    });
    return;
  }
  const defined = names.get(condition.type) ?? new Set<string>();
  let signalName = condition.name;
  if (condition.type === 'complexity') {
    const separator = condition.name.lastIndexOf(':');
    const level = separator >= 0 ? condition.name.slice(separator + 1) : '';
    if (separator < 0 || !(COMPLEXITY_LEVELS as readonly string[]).includes(level)) {
      issues.push({
        path: [...path, 'name'],
        message: `complexity condition "${condition.name}" needs a level suffix: use "${separator < 0 ? condition.name : condition.name.slice(0, separator)}:easy", ":medium" or ":hard"`,
        severity: 'error',
      });
      if (separator < 0) return;
    }
    signalName = condition.name.slice(0, separator);
  }
  if (!defined.has(signalName)) {
    const family =
      Object.entries(SIGNAL_CONTAINERS).find(([, type]) => type === condition.type)?.[0] ?? 'projections';
    issues.push({
      path: [...path, 'name'],
      message: `unknown ${condition.type} signal "${signalName}"${didYouMean(signalName, defined)}; define it under routing.signals.${family}`,
      severity: 'error',
    });
  }
}

/** Runs every cross-reference check over a schema-valid config. */
export function checkConfigSemantics(config: RouterConfig): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  checkDuplicates(issues, config.providers.models, ['providers', 'models'], 'model');
  checkDuplicates(issues, config.recipes, ['recipes'], 'recipe');
  const modelNames = new Set(config.providers.models.map((model) => model.name));
  const hasDecisions =
    config.routing.decisions.length > 0 ||
    config.recipes.some((recipe) => recipe.routing.decisions.length > 0);
  if (config.providers.models.length === 0 && hasDecisions) {
    issues.push({
      path: ['providers', 'models'],
      message: 'providers.models is empty: decisions need at least one model to route to',
      severity: 'error',
    });
  }
  const defaultModel = config.providers.defaults.default_model;
  if (defaultModel !== undefined && !modelNames.has(defaultModel)) {
    issues.push({
      path: ['providers', 'defaults', 'default_model'],
      message: `unknown default model "${defaultModel}"${didYouMean(defaultModel, modelNames)}`,
      severity: 'error',
    });
  }
  const families = Object.keys(config.providers.defaults.reasoning_families);
  config.providers.models.forEach((model, index) => {
    if (model.reasoning_family !== undefined && !families.includes(model.reasoning_family)) {
      issues.push({
        path: ['providers', 'models', index, 'reasoning_family'],
        message: `unknown reasoning family "${model.reasoning_family}"${didYouMean(model.reasoning_family, families)}; define it in providers.defaults.reasoning_families`,
        severity: 'error',
      });
    }
    checkDuplicates(
      issues,
      model.backend_refs.filter((ref): ref is typeof ref & { name: string } => ref.name !== undefined),
      ['providers', 'models', index, 'backend_refs'],
      'backend_ref',
    );
  });

  checkRoutingBlock(issues, config, config.routing, ['routing']);
  config.recipes.forEach((recipe, index) => {
    checkRoutingBlock(issues, config, recipe.routing, ['recipes', index, 'routing']);
  });

  const recipeNames = config.recipes.map((recipe) => recipe.name);
  const claimed = new Map<string, string>();
  const autoNames = config.global.router.auto_model_names ?? [
    'vllm-sr/auto',
    'auto',
    'MoM',
    config.global.router.auto_model_name,
  ];
  config.entrypoints.forEach((entrypoint, index) => {
    if (!recipeNames.includes(entrypoint.recipe)) {
      issues.push({
        path: ['entrypoints', index, 'recipe'],
        message: `unknown recipe "${entrypoint.recipe}"${didYouMean(entrypoint.recipe, recipeNames)}`,
        severity: 'error',
      });
    }
    entrypoint.model_names.forEach((modelName, nameIndex) => {
      const path = ['entrypoints', index, 'model_names', nameIndex];
      if (modelNames.has(modelName))
        issues.push({
          path,
          message: `entrypoint model name "${modelName}" shadows the configured model of the same name`,
          severity: 'error',
        });
      else if (autoNames.includes(modelName))
        issues.push({
          path,
          message: `entrypoint model name "${modelName}" is already an auto model name`,
          severity: 'error',
        });
      else if (claimed.has(modelName))
        issues.push({
          path,
          message: `entrypoint model name "${modelName}" is already claimed by recipe "${claimed.get(modelName)}"`,
          severity: 'error',
        });
      claimed.set(modelName, entrypoint.recipe);
    });
  });
  return issues;
}
