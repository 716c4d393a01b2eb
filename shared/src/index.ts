export * from './errors';
export * from './timing';
export * from './protocol';
export * from './events';
export * from './http';
export * from './validate';
export * from './bridge';
