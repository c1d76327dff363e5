import { describe, expect, it } from 'vitest';
import { CommunePlaces } from '../../engine/heritage/commune-places.ts';
import { formerMembersOf, successorsOf } from '../../engine/heritage/commune-history.ts';

// Facts checked by hand against the INSEE geographic code (« communes nouvelles » lists):
// Villemaur-sur-Vanne (10415) merged into Aix-Villemaur-Pâlis (10003) in 2016; Grand-Vabre
// (12114) into Conques-en-Rouergue in 2016, a commune created as 12076 whose code is 12218 today;
// Liergues (69114) and Pouilly-le-Monial (69159) formed Porte des Pierres Dorées in 2017, which
// took in Jarnioux (69101) in 2019 and carries the code 69114 today.
const place = (code: string, nom: string, departement: string) => ({ code, nom, departement, x: 700000, y: 6700000 });

describe('communes merged since (INSEE geographic code history)', () => {
  it('walks an old code to the commune that took it in', () => {
    expect(successorsOf('10415')).toEqual(['10003']);
    expect(successorsOf('12114')).toEqual(['12218']);
    expect(successorsOf('75056')).toEqual([]);
    expect(formerMembersOf('12218')).toEqual(expect.arrayContaining(['12076', '12114']));
  });

  it('places an old code at its successor, or at the one known code of the commune that took it in', () => {
    const places = CommunePlaces.of([place('10003', 'Aix-Villemaur-Pâlis', '10'), place('12076', 'Conques-en-Rouergue', '12')]);
    expect(places.resolve(['10415'], 'Villemaur-sur-Vanne', '10')).toMatchObject({ how: 'merged', place: { code: '10003' } });
    expect(places.resolve(['12114'], 'Grand-Vabre', '12')).toMatchObject({ how: 'merged', place: { code: '12076' } });
  });

  it('leaves an ambiguous merger unplaced rather than guessing', () => {
    const places = CommunePlaces.of([place('69101', 'Jarnioux', '69'), place('69159', 'Porte des Pierres Dorées', '69')]);
    expect(places.resolve(['69114'], 'Liergues', '69')).toBeUndefined();
  });
});
