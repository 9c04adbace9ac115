export declare const DEFAULT_TEST_DATABASE_URL: string;
export declare function postgresPlan(
  env: Record<string, string | undefined>,
  isReachable?: (url: string) => Promise<boolean>,
): Promise<{ plan: 'run' | 'skip'; url: string; message?: string }>;
export default function globalSetup(): Promise<void>;
