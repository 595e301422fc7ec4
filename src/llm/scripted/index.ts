export {
  compileAnswerTemplate,
  type AnswerTemplate,
  type TemplateContext,
  type TemplateSyntaxError,
} from './answer-template.js';
export { appendCallLog, callLogEntrySchema, readCallLog, type CallLogEntry } from './call-log.js';
export { loadScript } from './load-script.js';
export { matchScript, type ScriptMatch, type TimesUsed } from './match-script.js';
export { parseScript, type Script, type ScriptAnswer, type ScriptRule } from './parse-script.js';
export { scriptFileSchema, scriptRuleSchema, type ScriptFile, type ValidScriptFile } from './script-file.js';
export { createScriptedModel, type ScriptedModelOptions } from './scripted-model.js';
