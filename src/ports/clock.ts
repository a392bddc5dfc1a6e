// The clock port: the runtime asks it for the time so that tests can drive time themselves.

export interface Clock {
  now(): number;
}
