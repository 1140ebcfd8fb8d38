// Error messages for chevrotain's recognition errors, in our style (lowercase, context
// first, no trailing period): "expected '}' to close the block, found end of input".
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import * as T from "./tokens.ts";

const expressionRules = new Set([
  "expression", "ternary", "logicalOr", "logicalAnd", "bitOr", "bitXor", "bitAnd", "equality",
  "relational", "shift", "additive", "multiplicative", "unary", "postfix", "primary", "parenExpr",
]);

export function describeToken(t: IToken | undefined): string {
  if (t === undefined || t.tokenType === EOF) return "end of input";
  const image = t.image.length > 30 ? `${t.image.slice(0, 27)}...` : t.image;
  return `'${image}'`;
}

function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}

function expectation(expected: TokenType, ruleName: string, previous: IToken | undefined): string {
  const prev = previous?.tokenType;
  if (expected === T.PredEnd) return "expected '/' to close the predicate";
  if (expected === T.LCurly && (prev === T.AttachPointTok || prev === T.PredEnd)) {
    return "expected '{' to start the probe body";
  }
  if (expected === T.LCurly) return "expected '{' to start a block";
  if (expected === T.RCurly && ruleName === "block") return "expected '}' to close the block";
  if (expected === T.RCurly && ruleName === "configBlock") return "expected '}' to close the config block";
  if (expected === T.RParen && ruleName === "identOrCall") return "expected ',' or ')' in the argument list";
  if (expected === T.RBracket && ruleName === "mapExpr") return "expected ',' or ']' after the map key";
  if (expected === T.VarName && ruleName === "letStmt") return "expected a variable ($name) after 'let'";
  if (expected === T.VarName && ruleName === "forStmt") return "expected a loop variable ($name) after 'for'";
  if (expected === T.Colon && ruleName === "forStmt") return "expected ':' after the loop variable";
  if (expected === T.Colon && ruleName === "fnDef") return "expected ':' and a return type after the parameters";
  if (expected === T.Colon && ruleName === "ternary") return "expected ':' in conditional expression";
  if (expected === T.MapName && ruleName === "mapDecl") return "expected a map name (@name) after 'let'";
  if (expected === T.IntLit && ruleName === "mapDecl") return "expected the maximum number of entries, like hash(1024)";
  if (expected === T.FieldWord) return "expected a field name";
  return `expected ${label(expected)}`;
}

export const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    return `${expectation(expected, ruleName, previous)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    const found = describeToken(actual[0]);
    if (expressionRules.has(ruleName) || ruleName === "identOrCall" || ruleName === "mapExpr") {
      return `expected an expression, found ${found}`;
    }
    if (ruleName === "statement") return `expected a statement, found ${found}`;
    if (ruleName === "ifStmt") return `expected '{' or 'if' after 'else', found ${found}`;
    if (ruleName === "typeSpec") return `expected a type, found ${found}`;
    if (ruleName === "configBlock") return `expected a number, string, true, false or a word as config value, found ${found}`;
    if (ruleName === "postfix") return `expected a field name or a tuple index, found ${found}`;
    if (ruleName === "macroDef") return `expected a macro parameter ($var, @map or name), found ${found}`;
    return `unexpected ${found}`;
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    const found = describeToken(actual[0]);
    if (ruleName === "probe") return `expected an attach point, found ${found}`;
    if (ruleName === "mapExpr") return `expected a map key, found ${found}`;
    if (ruleName === "offsetofExpr") return `expected a field name, found ${found}`;
    return `unexpected ${found}`;
  },
};
