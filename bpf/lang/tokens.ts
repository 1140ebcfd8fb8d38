// Token types shared by the scanner (lexer.ts), which produces the tokens by hand, and
// the chevrotain grammar (parser.ts), which consumes them. The scanner is hand-written
// because attach points (`uprobe:/bin/bash:readline`, `kprobe:vfs_*`) and predicates
// (`/a / b/`) need context a regular lexer does not have; see lexer.ts.
import { createToken, type IToken, type TokenType } from "chevrotain";

// Categories: one CONSUME matches any member.
export const AssignOp = createToken({ name: "AssignOp", pattern: /NA/ });
export const OrOp = createToken({ name: "OrOp", pattern: /NA/ });
export const AndOp = createToken({ name: "AndOp", pattern: /NA/ });
export const BitOrOp = createToken({ name: "BitOrOp", pattern: /NA/ });
export const XorOp = createToken({ name: "XorOp", pattern: /NA/ });
export const BitAndOp = createToken({ name: "BitAndOp", pattern: /NA/ });
export const EqualityOp = createToken({ name: "EqualityOp", pattern: /NA/ });
export const RelationalOp = createToken({ name: "RelationalOp", pattern: /NA/ });
export const ShiftOp = createToken({ name: "ShiftOp", pattern: /NA/ });
export const AdditiveOp = createToken({ name: "AdditiveOp", pattern: /NA/ });
export const MultiplicativeOp = createToken({ name: "MultiplicativeOp", pattern: /NA/ });
/** Any word that may follow `.` or `->` as a field name: identifiers and keywords. */
export const FieldWord = createToken({ name: "FieldWord", pattern: /NA/ });

const all: TokenType[] = [
  AssignOp, OrOp, AndOp, BitOrOp, XorOp, BitAndOp, EqualityOp, RelationalOp, ShiftOp,
  AdditiveOp, MultiplicativeOp, FieldWord,
];

function tok(name: string, label: string, categories: TokenType[] = []): TokenType {
  const t = createToken({ name, pattern: /NA/, label, categories });
  all.push(t);
  return t;
}

// Probe header (produced only by the top-level scanner).
export const AttachPointTok = tok("AttachPoint", "attach point");
export const PredStart = tok("PredStart", "'/'");
export const PredEnd = tok("PredEnd", "'/'");

// Words.
export const Ident = tok("Ident", "identifier", [FieldWord]);
export const VarName = tok("VarName", "variable", []);
export const MapName = tok("MapName", "map", []);
export const Positional = tok("Positional", "positional parameter", []);
export const IntLit = tok("IntLit", "integer", []);
export const StringLit = tok("StringLit", "string", []);

export const If = tok("If", "'if'", [FieldWord]);
export const Else = tok("Else", "'else'", [FieldWord]);
export const While = tok("While", "'while'", [FieldWord]);
export const Unroll = tok("Unroll", "'unroll'", [FieldWord]);
export const For = tok("For", "'for'", [FieldWord]);
export const Break = tok("Break", "'break'", [FieldWord]);
export const Continue = tok("Continue", "'continue'", [FieldWord]);
export const Return = tok("Return", "'return'", [FieldWord]);
export const Let = tok("Let", "'let'", [FieldWord]);
export const Sizeof = tok("Sizeof", "'sizeof'", [FieldWord]);
export const Offsetof = tok("Offsetof", "'offsetof'", [FieldWord]);
export const Typeof = tok("Typeof", "'typeof'", [FieldWord]);
export const True = tok("True", "'true'", [FieldWord]);
export const False = tok("False", "'false'", [FieldWord]);
/** `struct`, `union` or `enum`. */
export const Aggregate = tok("Aggregate", "'struct'", [FieldWord]);
// Top-level keywords (the scanner emits these only at the start of a top-level item).
export const Config = tok("Config", "'config'");
export const Fn = tok("Fn", "'fn'");
export const Macro = tok("Macro", "'macro'");
export const Import = tok("Import", "'import'");

// Punctuation.
export const LCurly = tok("LCurly", "'{'");
export const RCurly = tok("RCurly", "'}'");
export const LParen = tok("LParen", "'('");
export const RParen = tok("RParen", "')'");
export const LBracket = tok("LBracket", "'['");
export const RBracket = tok("RBracket", "']'");
export const Semi = tok("Semi", "';'");
export const Comma = tok("Comma", "','");
export const Colon = tok("Colon", "':'");
export const Question = tok("Question", "'?'");
export const Dot = tok("Dot", "'.'");
export const DotDot = tok("DotDot", "'..'");
export const Arrow = tok("Arrow", "'->'");

// Operators.
export const Assign = tok("Assign", "'='", [AssignOp]);
export const CompoundAssign = tok("CompoundAssign", "compound assignment", [AssignOp]);
export const OrOr = tok("OrOr", "'||'", [OrOp]);
export const AndAnd = tok("AndAnd", "'&&'", [AndOp]);
export const Pipe = tok("Pipe", "'|'", [BitOrOp]);
export const Caret = tok("Caret", "'^'", [XorOp]);
export const Amp = tok("Amp", "'&'", [BitAndOp]);
export const EqEq = tok("EqEq", "'=='", [EqualityOp]);
export const NotEq = tok("NotEq", "'!='", [EqualityOp]);
export const Lt = tok("Lt", "'<'", [RelationalOp]);
export const Le = tok("Le", "'<='", [RelationalOp]);
export const Gt = tok("Gt", "'>'", [RelationalOp]);
export const Ge = tok("Ge", "'>='", [RelationalOp]);
export const Shl = tok("Shl", "'<<'", [ShiftOp]);
export const Shr = tok("Shr", "'>>'", [ShiftOp]);
export const Plus = tok("Plus", "'+'", [AdditiveOp]);
export const Minus = tok("Minus", "'-'", [AdditiveOp]);
export const Star = tok("Star", "'*'", [MultiplicativeOp]);
export const Slash = tok("Slash", "'/'", [MultiplicativeOp]);
export const Percent = tok("Percent", "'%'", [MultiplicativeOp]);
export const Bang = tok("Bang", "'!'");
export const Tilde = tok("Tilde", "'~'");
export const PlusPlus = tok("PlusPlus", "'++'");
export const MinusMinus = tok("MinusMinus", "'--'");

export const allTokenTypes: readonly TokenType[] = all;

export const keywords: ReadonlyMap<string, TokenType> = new Map([
  ["if", If], ["else", Else], ["while", While], ["unroll", Unroll], ["for", For],
  ["break", Break], ["continue", Continue], ["return", Return], ["let", Let],
  ["sizeof", Sizeof], ["offsetof", Offsetof], ["typeof", Typeof], ["true", True], ["false", False],
  ["struct", Aggregate], ["union", Aggregate], ["enum", Aggregate],
]);

/** Operators and punctuation, longest first so that the scanner can match greedily. */
export const punctuation: readonly (readonly [string, TokenType])[] = [
  ["<<=", CompoundAssign], [">>=", CompoundAssign],
  ["+=", CompoundAssign], ["-=", CompoundAssign], ["*=", CompoundAssign], ["/=", CompoundAssign],
  ["%=", CompoundAssign], ["&=", CompoundAssign], ["|=", CompoundAssign], ["^=", CompoundAssign],
  ["||", OrOr], ["&&", AndAnd], ["==", EqEq], ["!=", NotEq], ["<=", Le], [">=", Ge],
  ["<<", Shl], [">>", Shr], ["++", PlusPlus], ["--", MinusMinus], ["->", Arrow], ["..", DotDot],
  ["{", LCurly], ["}", RCurly], ["(", LParen], [")", RParen], ["[", LBracket], ["]", RBracket],
  [";", Semi], [",", Comma], [":", Colon], ["?", Question], [".", Dot], ["=", Assign],
  ["|", Pipe], ["^", Caret], ["&", Amp], ["<", Lt], [">", Gt], ["+", Plus], ["-", Minus],
  ["*", Star], ["/", Slash], ["%", Percent], ["!", Bang], ["~", Tilde],
];

/** Extra data some tokens carry (set by the scanner). */
export interface TokenPayload {
  /** IntLit: the value (durations in nanoseconds). StringLit: the decoded string. */
  readonly value?: bigint | string;
  /** Positional: the index (0 for `$#`). */
  readonly index?: number;
  /** AttachPoint: the provider with aliases expanded, and the fields after it. */
  readonly provider?: string;
  readonly parts?: readonly string[];
}

export type Token = IToken & { payload?: TokenPayload; endExclusive: number };
